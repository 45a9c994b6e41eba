export { createApi } from "./api/app";
export { createImporter, type Importer, type ImportResult } from "./importer";
export { createLogger } from "./logger";
export { createRuntime, dayMsFrom, type Runtime } from "./runtime";
