export { connectionSync } from "./connection-sync";
export { debtorCollection } from "./debtor-collection";
export { ledgerSync } from "./ledger-sync";
export { ledgerWriteBack } from "./ledger-write-back";
