export { Repositories } from "./repositories";
export * from "./repositories/api-keys";
export * from "./repositories/communications";
export * from "./repositories/connections";
export * from "./repositories/imports";
export * from "./repositories/ledger";
export * from "./repositories/ledger-reads";
export * from "./repositories/outbox";
export * from "./repositories/policies";
export * from "./repositories/tenants";
export * from "./repositories/webhook-inbox";
export type {
  CommunicationKind,
  ConnectionKind,
  ConnectionStatus,
  Database,
  Db,
  ImportStatus,
  OutboxStatus,
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
