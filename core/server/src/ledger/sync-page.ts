/**
 * One page of a ledger sync: ask the connector, complete the page with whatever it refers to that is
 * neither in it nor stored (a contact created between the phases of a sync, the invoices a credit note
 * was allocated to, on a webhook's sync the invoices a payment was applied to), store it in one
 * transaction, and move the watermark once the last page is stored.
 */
import { type ChangePage, type ConnectorPlugin, isRelanceError, type LedgerChange, RelanceError } from "@relance/core";
import type { ConnectionSummary, Store } from "@relance/store";
import type { SyncPageInput, SyncPageResult } from "@relance/workflows";
import type { ConnectorFactory } from "./connectors";

/** Told when the ledger refuses this connection's access outright (not a refused refresh, handled by the grant). */
export type AccessRefused = (connection: ConnectionSummary, reason: string) => Promise<void>;

export async function syncPage(
  store: Store,
  connectors: ConnectorFactory,
  input: SyncPageInput,
  onAccessRefused: AccessRefused,
): Promise<SyncPageResult> {
  const connection = await store.getConnection(input.tenantId, input.connectionId);
  if (!connection) throw new RelanceError("not_found", `connection ${input.connectionId} not found`);
  if (connection.status !== "active") {
    return { status: "paused", reason: connection.statusReason ?? `the connection is ${connection.status}` };
  }
  try {
    const connector = await connectors.connectorFor(connection);
    const page = input.changes
      ? await fetchChanged(connector, input.changes)
      : await connector.listChanges({
          ...(connection.watermark ? { since: connection.watermark } : {}),
          ...(input.cursor === undefined ? {} : { cursor: input.cursor }),
        });
    const complete = await withReferences(store, connector, connection, page, input.changes !== undefined);
    const applied = await store.applyLedgerChanges(input.tenantId, input.connectionId, complete);
    if (complete.skipped?.length) await reportSkipped(store, connection, complete.skipped);
    if (!input.changes && complete.cursor === undefined) {
      await store.recordSyncWatermark(input.tenantId, input.connectionId, complete.watermark ?? connection.watermark);
    }
    const records = complete.debtors.length + complete.invoices.length + complete.creditNotes.length + complete.payments.length;
    return {
      status: "synced",
      ...(complete.cursor === undefined || input.changes ? {} : { cursor: complete.cursor }),
      changedDebtorIds: applied.changedDebtorIds,
      records,
    };
  } catch (error) {
    // Access refused for good: a refused refresh has already flagged the grant (and told the tenant);
    // anything else (an organisation removed from the grant, a permission withdrawn) flags this
    // connection. Either way its syncs pause until it is reconnected.
    if (isRelanceError(error) && !error.retryable && (error.code === "unauthorized" || error.code === "forbidden")) {
      const current = await store.getConnection(input.tenantId, input.connectionId);
      if (current?.status === "active") await onAccessRefused(current, error.message);
      return { status: "paused", reason: error.message };
    }
    throw error;
  }
}

async function fetchChanged(connector: ConnectorPlugin, changes: readonly LedgerChange[]): Promise<ChangePage> {
  if (!connector.fetchChanged) throw new RelanceError("misconfigured", "this connector cannot read single records");
  return connector.fetchChanged(changes);
}

const merge = (page: ChangePage, more: ChangePage): ChangePage => ({
  ...page,
  debtors: [...more.debtors, ...page.debtors],
  invoices: [...page.invoices, ...more.invoices],
  creditNotes: [...page.creditNotes, ...more.creditNotes],
  payments: [...page.payments, ...more.payments],
  deletions: [...(page.deletions ?? []), ...(more.deletions ?? [])],
  skipped: [...(page.skipped ?? []), ...(more.skipped ?? [])],
});

async function withReferences(
  store: Store,
  connector: ConnectorPlugin,
  connection: { readonly tenantId: string; readonly id: string; readonly accountId: string | null },
  page: ChangePage,
  targeted: boolean,
): Promise<ChangePage> {
  if (!connector.fetchChanged) return page;
  const { tenantId, id: connectionId } = connection;
  const accountId = connection.accountId ?? "";
  const invoicesInPage = new Set(page.invoices.map((invoice) => invoice.externalId));
  // Balances come from the invoices. A webhook may name only the payment (QuickBooks announces a
  // Payment, not the invoices it lowered): those invoices are read too. A full sync reads them anyway,
  // as they changed with the payment.
  // In a scheduled sync they changed with the payment or the allocation and are read in their own phase.
  // A deleted payment names no invoice: the ones it was applied to are found in what was stored.
  const deletedPayments = (page.deletions ?? []).filter((deletion) => deletion.kind === "payment").map((d) => d.externalId);
  const unpaid = targeted ? await store.paymentInvoices(tenantId, connectionId, deletedPayments) : [];
  const allocated = targeted
    ? [
        ...new Set([
          ...page.creditNotes.flatMap((note) => note.allocations.map((allocation) => allocation.invoiceExternalId)),
          ...page.payments.map((payment) => payment.invoiceExternalId),
          ...unpaid,
        ]),
      ].filter((id) => !invoicesInPage.has(id))
    : [];
  let complete = page;
  if (allocated.length > 0) {
    complete = merge(
      complete,
      await connector.fetchChanged(
        allocated.map((externalId) => ({
          providerEventId: `allocation:${externalId}`,
          accountId,
          kind: "invoice",
          externalId,
        })),
      ),
    );
  }
  const present = new Set(complete.debtors.map((debtor) => debtor.externalId));
  const referenced = [
    ...new Set([...complete.invoices, ...complete.creditNotes].map((record) => record.debtorExternalId)),
  ].filter((id) => !present.has(id));
  if (referenced.length === 0) return complete;
  const stored = await store.db
    .selectFrom("debtors")
    .select("external_id")
    .where("tenant_id", "=", tenantId)
    .where("connection_id", "=", connectionId)
    .where("external_id", "in", referenced)
    .execute();
  const known = new Set(stored.map((row) => row.external_id));
  const missing = referenced.filter((id) => !known.has(id));
  if (missing.length === 0) return complete;
  const contacts = await connector.fetchChanged(
    missing.map((externalId) => ({ providerEventId: `contact:${externalId}`, accountId, kind: "contact", externalId })),
  );
  return merge(complete, { ...contacts, invoices: [], creditNotes: [], payments: [], deletions: [] });
}

/** Records the ledger sent that could not be read: told to the tenant, with which and why (the first 50). */
async function reportSkipped(
  store: Store,
  connection: ConnectionSummary,
  skipped: readonly { kind: string; externalId: string; reason: string }[],
): Promise<void> {
  const unique = [...new Map(skipped.map((record) => [`${record.kind}:${record.externalId}`, record])).values()];
  const first = unique[0];
  await store.appendCommunication(connection.tenantId, {
    kind: "connection",
    status: "records_skipped",
    summary: `${connection.name}: ${unique.length} record(s) could not be read and were left out${
      first ? ` (e.g. ${first.kind.replace("_", " ")} ${first.externalId}: ${first.reason})` : ""
    }; correct them in the ledger`,
    detail: { connectionId: connection.id, skipped: unique.slice(0, 50) },
    occurredAt: new Date(),
  });
}
