export { debtorCollection } from "./debtor-collection";
export { ledgerSync } from "./ledger-sync";
