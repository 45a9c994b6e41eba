/**
 * fetchChanged: the records webhook events named, read by id in as few calls as Xero allows —
 * invoices by `IDs`, credit notes by a `where` on CreditNoteID (that endpoint has no IDs filter),
 * then every contact they or the events name, by `IDs`.
 */
import type { ChangePage, LedgerChange, Logger } from "@relance/core";
import type { XeroAccountingClient } from "./client";
import { collect } from "./sync";

/** Keeps URLs well under proxies' limits (50 GUIDs ≈ 1.9 kB). */
const CHUNK = 50;
const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let index = 0; index < items.length; index += CHUNK) out.push(items.slice(index, index + CHUNK));
  return out;
}

export async function fetchChanged(
  client: XeroAccountingClient,
  logger: Logger,
  changes: readonly LedgerChange[],
): Promise<ChangePage> {
  const tenant = client.tenantId;
  const ids = (kind: LedgerChange["kind"]) => {
    const wanted = new Set<string>();
    for (const change of changes) {
      if (change.kind !== kind) continue;
      if (change.accountId !== tenant)
        logger.warn({ accountId: change.accountId, tenant }, "ignored a change of another organisation");
      else if (!GUID.test(change.externalId))
        logger.warn({ externalId: change.externalId }, "ignored a change with a malformed id");
      else wanted.add(change.externalId.toLowerCase());
    }
    return [...wanted];
  };
  const page = collect(logger, {});
  for (const batch of chunks(ids("invoice"))) {
    const { body } = await client.call("invoices by id", (api) =>
      api.getInvoices(tenant, undefined, undefined, undefined, batch),
    );
    const found = collect(logger, { invoices: body.invoices });
    page.invoices.push(...found.invoices);
    page.payments.push(...found.payments);
    page.skipped.push(...found.skipped);
  }
  for (const batch of chunks(ids("credit_note"))) {
    const where = batch.map((id) => `CreditNoteID==Guid("${id}")`).join(" OR ");
    const { body } = await client.call("credit notes by id", (api) => api.getCreditNotes(tenant, undefined, where));
    const found = collect(logger, { creditNotes: body.creditNotes });
    page.creditNotes.push(...found.creditNotes);
    page.skipped.push(...found.skipped);
  }
  const contactIds = new Set(ids("contact"));
  for (const record of [...page.invoices, ...page.creditNotes]) contactIds.add(record.debtorExternalId.toLowerCase());
  for (const batch of chunks([...contactIds])) {
    const { body } = await client.call("contacts by id", (api) =>
      api.getContacts(tenant, undefined, undefined, undefined, batch, undefined, true),
    );
    const found = collect(logger, { contacts: body.contacts });
    page.debtors.push(...found.debtors);
    page.skipped.push(...found.skipped);
  }
  return {
    debtors: page.debtors,
    invoices: page.invoices,
    creditNotes: page.creditNotes,
    payments: page.payments,
    ...(page.skipped.length > 0 ? { skipped: page.skipped } : {}),
  };
}
