export { Repositories } from "./repositories";
export * from "./repositories/api-keys";
export * from "./repositories/communications";
export * from "./repositories/connections";
export * from "./repositories/debtor-settings";
export * from "./repositories/disputes";
export * from "./repositories/imports";
export * from "./repositories/ledger";
export * from "./repositories/ledger-actions";
export * from "./repositories/ledger-reads";
export * from "./repositories/oauth";
export * from "./repositories/outbox";
export * from "./repositories/payment-plans";
export * from "./repositories/policies";
export * from "./repositories/promises";
export * from "./repositories/tasks";
export * from "./repositories/tenants";
export * from "./repositories/webhook-inbox";
export type {
  CommunicationKind,
  ConnectionKind,
  ConnectionStatus,
  Database,
  Db,
  DisputeOutcome,
  DisputeReason,
  DisputeStatus,
  GrantStatus,
  ImportStatus,
  InstalmentStatus,
  LedgerActionKind,
  LedgerActionStatus,
  Mediator,
  OutboxStatus,
  PlanStatus,
  PromiseSource,
  PromiseStatus,
  TaskKind,
  TaskOutcome,
  TaskStatus,
} from "./schema";
export {
  DEV_KEY_FILE,
  decryptSecret,
  encryptSecret,
  envelopeKeyId,
  formatKeyring,
  generateKeyring,
  type Keyring,
  type LoadKeyringOptions,
  loadKeyring,
  parseKeyring,
  reencryptSecret,
  SECRET_KEY_HELP,
} from "./secret-box";
export { type OpenStoreOptions, openStore, Store, type StoreEngine, type StoreTransaction } from "./store";
export { MAX_PAGE_SIZE, type Page } from "./support";
