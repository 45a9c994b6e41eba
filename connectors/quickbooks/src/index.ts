export { toMinor } from "./amounts";
export { createQboClient, type QboClient } from "./client";
export { describeFailure, toRelanceError } from "./errors";
export { quickbooksConnector, quickbooksConnector as default } from "./manifest";
export {
  type CreditAllocation,
  isVoided,
  type MappedPayment,
  type MappingContext,
  MappingError,
  mapAddress,
  mapCreditMemo,
  mapCustomer,
  mapInvoice,
  mapPayment,
  splitEmails,
} from "./mappers";
export { quickbooksOAuth } from "./oauth";
export type { QboCreditMemo, QboCustomer, QboInvoice, QboPayment } from "./qbo-types";
export { type Deletion, mapRecords, type QuickBooksChangePage } from "./records";
export {
  apiBaseUrl,
  oauthEndpoints,
  type QuickBooksApp,
  type QuickBooksConfig,
  quickbooksAppSchema,
  quickbooksConfigSchema,
  quickbooksSecretsSchema,
} from "./settings";
export { CDC_WINDOW_MS, WATERMARK_MARGIN_MS } from "./sync";
export { parseIntuitEvents, SIGNATURE_HEADER, signIntuitPayload, verifyIntuitSignature } from "./webhooks";
export { appendNote, requestIdOf } from "./write-back";
