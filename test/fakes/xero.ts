/**
 * A fake of Xero (accounting API, identity service, login, webhooks) on 127.0.0.1 for tests that run
 * the real xero-node SDK. See ./xero/server.ts for what it answers and how.
 */
export type { ApiAnswer, ApiRequest } from "./xero/accounting";
export type { Connection, TokenResponse } from "./xero/identity";
export { msDate } from "./xero/json";
export {
  type FakeAddress,
  type FakeAllocation,
  type FakeContact,
  type FakeContactInput,
  type FakeCreditNote,
  type FakeCreditNoteInput,
  type FakeInvoice,
  type FakeInvoiceInput,
  FakeLedger,
  type FakePayment,
  LedgerValidationError,
} from "./xero/ledger";
export type { RateLimitOptions } from "./xero/limits";
export { type FakeXero, type FakeXeroOptions, type RecordedCall, startFakeXero } from "./xero/server";
export { type SignedWebhook, signWebhook, type WebhookEventInput, webhookPayload } from "./xero/webhooks";
