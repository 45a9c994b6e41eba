export { redact, retryDelayMs, toRelanceError } from "./errors";
export { MESSAGE_ID_ARG, mapEvents, SIGNATURE_HEADER, TIMESTAMP_HEADER } from "./events";
export { emailSendgridPlugin, emailSendgridPlugin as default, IDEMPOTENCY_KEY_ARG, TENANT_ARG } from "./plugin";
export { type SendgridConfig, type SendgridSecrets, sendgridConfigSchema, sendgridSecretsSchema } from "./settings";
