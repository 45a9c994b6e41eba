export { createActivities } from "./activities";
export { toCaseInvoice } from "./activities/case-invoice";
export { composeMessage, type MessageTemplate } from "./activities/compose-message";
export type * from "./activities/ports";
export { isInWindow, nextWindowOpening } from "./activities/send-window";
export type * from "./activities/types";
export {
  type CaseCommand,
  type CaseLookup,
  type CommandResult,
  caseDebtorOf,
  commandCase,
  createCaseStarter,
  describeCase,
} from "./case-client";
export { connectionSyncId, debtorWorkflowId, importWorkflowId, writeBackWorkflowId } from "./ids";
export {
  overdueBandSearchAttribute,
  searchAttributeFlags,
  searchAttributes,
  stageSearchAttribute,
  tenantSearchAttribute,
} from "./search-attributes";
export { createRelanceWorker, workflowsPath } from "./worker";
export type { ConnectionSyncInput, ConnectionSyncResult } from "./workflows/connection-sync";
export type { LedgerSyncInput } from "./workflows/ledger-sync";
export type { LedgerWriteBackInput } from "./workflows/ledger-write-back";
export * from "./workflows/messages";
