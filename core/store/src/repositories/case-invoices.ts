/** Checks shared by promises to pay and payment plans: the debtor exists, and the invoices they cover. */
import { notFound } from "@relance/core";
import type { Issues } from "../checks";
import type { Db } from "../schema";
import { isUuid } from "../support";

export const MAX_COVERED_INVOICES = 1000;

/** The shape of a list of covered invoice ids: at least one, uuids, no duplicates. */
export function checkInvoiceIds(issues: Issues, value: unknown): value is readonly string[] {
  if (!Array.isArray(value) || value.length === 0) {
    issues.add("invoiceIds", "must list at least one invoice");
    return false;
  }
  if (value.length > MAX_COVERED_INVOICES) {
    issues.add("invoiceIds", `must list at most ${MAX_COVERED_INVOICES} invoices`);
    return false;
  }
  const before = issues.count;
  const seen = new Set<string>();
  value.forEach((id: unknown, index) => {
    if (typeof id !== "string" || !isUuid(id)) issues.add(`invoiceIds[${index}]`, "not an invoice id");
    else if (seen.has(id.toLowerCase())) issues.add(`invoiceIds[${index}]`, "listed twice");
    else seen.add(id.toLowerCase());
  });
  return issues.count === before;
}

/** Throws not_found unless the debtor exists in this tenant. */
export async function requireDebtor(db: Db, tenantId: string, debtorId: string): Promise<void> {
  if (!isUuid(tenantId) || !isUuid(debtorId)) throw notFound("debtor");
  const row = await db
    .selectFrom("debtors")
    .select("id")
    .where("tenant_id", "=", tenantId)
    .where("id", "=", debtorId)
    .executeTakeFirst();
  if (!row) throw notFound("debtor");
}

/**
 * The balances of the covered invoices (id → minor units), each checked: an open invoice of this debtor,
 * in `currency`, with something left to pay. Problems are added to `issues` under `invoiceIds[i]`.
 */
export async function coveredBalances(
  db: Db,
  tenantId: string,
  debtorId: string,
  invoiceIds: readonly string[],
  currency: string,
  issues: Issues,
): Promise<Record<string, number>> {
  const rows = await db
    .selectFrom("invoices")
    .select(["id", "currency", "status", "balance_minor"])
    .where("tenant_id", "=", tenantId)
    .where("debtor_id", "=", debtorId)
    .where("id", "in", invoiceIds)
    .execute();
  const byId = new Map(rows.map((row) => [row.id, row]));
  const balances: Record<string, number> = {};
  invoiceIds.forEach((id, index) => {
    const path = `invoiceIds[${index}]`;
    const invoice = byId.get(id.toLowerCase());
    if (!invoice) issues.add(path, "no such invoice for this debtor");
    else if (invoice.currency !== currency) issues.add(path, `the invoice is in ${invoice.currency}, not ${currency}`);
    else if (invoice.status !== "open" || invoice.balance_minor === 0) issues.add(path, "the invoice has nothing left to pay");
    else balances[invoice.id] = invoice.balance_minor;
  });
  return balances;
}
