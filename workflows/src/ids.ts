/** Deterministic workflow ids: one case per debtor, one sync per import. */
export function debtorWorkflowId(tenantId: string, connectionId: string, debtorExternalId: string): string {
  return `debtor:${tenantId}:${connectionId}:${debtorExternalId}`;
}

export function importWorkflowId(tenantId: string, importId: string): string {
  return `sync:${tenantId}:${importId}`;
}
