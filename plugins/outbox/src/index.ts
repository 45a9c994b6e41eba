export { keyPart, sentFileName } from "./files";
export { type OutboxConfig, outboxConfigSchema, outboxPlugin, outboxPlugin as default, outboxSecretsSchema } from "./plugin";
