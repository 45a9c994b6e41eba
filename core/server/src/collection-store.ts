/** The activities' view of the store (their port), filled by the real store. */
import { RelanceError } from "@relance/core";
import type { Store } from "@relance/store";
import type { CollectionStore } from "@relance/workflows";

export function collectionStore(store: Store): CollectionStore {
  return {
    getTenant: (tenantId) => store.getTenant(tenantId),
    getDebtor: (tenantId, debtorId) => store.getDebtor(tenantId, debtorId),
    getCaseSnapshot: (tenantId, debtorId) => store.getCaseSnapshot(tenantId, debtorId),
    getOpenInvoices: (tenantId, debtorId) => store.getOpenInvoices(tenantId, debtorId),
    reserveOutbox: (tenantId, entry) => store.reserveOutbox(tenantId, entry),
    markOutboxSending: (tenantId, id) => store.markOutboxSending(tenantId, id),
    async markOutboxSent(tenantId, id, externalId) {
      await store.markOutboxSent(tenantId, id, externalId);
    },
    async markOutboxInDoubt(tenantId, id, reason) {
      await store.markOutboxInDoubt(tenantId, id, reason);
    },
    async markOutboxFailed(tenantId, id, error) {
      await store.markOutboxFailed(tenantId, id, error);
    },
    async appendCommunication(tenantId, entry) {
      await store.appendCommunication(tenantId, { ...entry, occurredAt: entry.occurredAt ?? new Date() });
    },
    async listImportChangedDebtors(tenantId, importId, offset, limit) {
      const row = await store.db
        .selectFrom("imports")
        .select("summary")
        .where("tenant_id", "=", tenantId)
        .where("id", "=", importId)
        .executeTakeFirst();
      if (!row) {
        // The sync workflow is started just before the import commits: until then, ask again.
        throw new RelanceError("not_found", `import ${importId} is not visible yet`, { retryable: true });
      }
      const ids = (row.summary as { changedDebtorIds?: unknown }).changedDebtorIds;
      return Array.isArray(ids) ? ids.filter((id): id is string => typeof id === "string").slice(offset, offset + limit) : [];
    },
  };
}
