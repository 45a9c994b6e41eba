export { COLUMNS, type Column, REQUIRED_COLUMNS } from "./columns";
export { parseDate } from "./dates";
export type { TextEncodingName } from "./encoding";
export type { LedgerCsvInput } from "./input";
export { type CsvConnector, createCsvConnector, csvConnector } from "./manifest";
export { parseAmount } from "./numbers";
export {
  type CsvConfig,
  type CsvConfigInput,
  csvConfigSchema,
  DEFAULT_MAX_BYTES,
  type ParseLedgerCsvOptions,
  PRESETS,
  type Preset,
} from "./options";
export { type LedgerCsvSummary, parseLedgerCsv, readLedgerCsv } from "./parse";
export type { LedgerBatch } from "./presets/reader";
export type { Delimiter } from "./text-rows";
