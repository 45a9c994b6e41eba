/** Telling a tenant that a ledger refused access: an entry on its timeline and one task to reconnect. */
import type { Store } from "@relance/store";

export interface ReconnectRequest {
  readonly names: string;
  /** `needs_reauth` (a refused refresh) or `access_refused` (the ledger refused the connection itself). */
  readonly status: string;
  readonly summary: string;
  readonly detail: Record<string, unknown>;
  /** One task per refusal: a refusal repeated by a retried activity does not open a second one. */
  readonly taskKey: string;
}

export async function askToReconnect(store: Store, tenantId: string, request: ReconnectRequest): Promise<void> {
  await store.appendCommunication(tenantId, {
    kind: "connection",
    status: request.status,
    summary: request.summary,
    detail: request.detail,
    occurredAt: new Date(),
  });
  await store.createTask(tenantId, {
    kind: "reconnect_ledger",
    title: `Reconnect ${request.names}`,
    detail: request.detail,
    idempotencyKey: request.taskKey,
  });
}
