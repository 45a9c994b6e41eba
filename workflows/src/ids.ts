/** Deterministic workflow ids: one case per debtor, one sync per import. */
export function debtorWorkflowId(tenantId: string, connectionId: string, debtorExternalId: string): string {
  return `debtor:${tenantId}:${connectionId}:${debtorExternalId}`;
}

export function importWorkflowId(tenantId: string, importId: string): string {
  return `sync:${tenantId}:${importId}`;
}

/** The schedule (and the scheduled syncs) of one ledger connection. */
export function connectionSyncId(tenantId: string, connectionId: string): string {
  return `ledger-sync:${tenantId}:${connectionId}`;
}

export function writeBackWorkflowId(tenantId: string, actionId: string): string {
  return `write-back:${tenantId}:${actionId}`;
}
