export { XeroAccountingClient } from "./client";
export { readFailure, toRelanceError } from "./errors";
export { xeroConnector, xeroConnector as default } from "./manifest";
export { type MappedInvoice, mapContact, mapCreditNote, mapInvoice } from "./mappers";
export { identityError, listOrganisations, xeroOAuth } from "./oauth";
export {
  DEFAULT_SCOPES,
  type XeroApp,
  type XeroAppInput,
  type XeroConfig,
  type XeroSecrets,
  xeroAppSchema,
  xeroConfigSchema,
  xeroSecretsSchema,
} from "./settings";
export { decodeCursor, encodeCursor, nextWatermark } from "./sync";
export { MappingError } from "./values";
export { providerEventId, receiveWebhook, SIGNATURE_HEADER, verifySignature } from "./webhooks";
export { idempotencyKey } from "./write-back";
