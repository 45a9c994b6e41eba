/**
 * Promises to pay: the debtor commits to paying an amount by a date. A debtor has at most one open
 * promise (a partial unique index). The balances of the covered invoices at promise time are kept as
 * the baseline the promise is later judged against.
 *
 *   open → kept | broken | cancelled   (final; settling a settled promise is a conflict)
 */
import { notFound, RelanceError } from "@relance/core";
import { type Selectable, sql } from "kysely";
import { Issues } from "../checks";
import type { Db, PromiseSource, PromiseStatus, PromisesToPayTable } from "../schema";
import { inTransaction, isUuid } from "../support";
import { checkInvoiceIds, coveredBalances, requireDebtor } from "./case-invoices";

export type { PromiseSource, PromiseStatus };

export const PROMISE_SOURCES: readonly PromiseSource[] = ["api", "reply", "phone", "debtor_page"];

export interface PromiseToPay {
  readonly id: string;
  readonly tenantId: string;
  readonly debtorId: string;
  readonly promisedDate: string;
  readonly amountMinor: number;
  readonly currency: string;
  readonly invoiceIds: string[];
  /** Invoice id → its balance (minor units) when the promise was made. */
  readonly baseline: Record<string, number>;
  readonly status: PromiseStatus;
  readonly source: PromiseSource;
  readonly createdAt: Date;
  readonly settledAt: Date | null;
}

export interface CreatePromiseInput {
  /** Chosen by the caller (a workflow) so a retried write finds its own row instead of conflicting. */
  readonly id?: string;
  readonly debtorId: string;
  /** Calendar date YYYY-MM-DD. */
  readonly promisedDate: string;
  readonly amountMinor: number;
  readonly currency: string;
  /** The invoices the promise covers: open invoices of the debtor, in `currency`. */
  readonly invoiceIds: readonly string[];
  readonly source: PromiseSource;
  readonly createdAt?: Date;
}

export type PromiseSettlement = Exclude<PromiseStatus, "open">;

export interface PromiseFilter {
  readonly debtorId?: string;
  readonly status?: PromiseStatus | readonly PromiseStatus[];
}

function toPromise(row: Selectable<PromisesToPayTable>): PromiseToPay {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    debtorId: row.debtor_id,
    promisedDate: row.promised_date,
    amountMinor: row.amount_minor,
    currency: row.currency,
    invoiceIds: row.invoice_ids,
    baseline: row.baseline,
    status: row.status,
    source: row.source,
    createdAt: row.created_at,
    settledAt: row.settled_at,
  };
}

export async function createPromise(db: Db, tenantId: string, input: CreatePromiseInput): Promise<PromiseToPay> {
  const issues = new Issues();
  issues.date("promisedDate", input.promisedDate);
  issues.minor("amountMinor", input.amountMinor);
  issues.currency("currency", input.currency);
  checkInvoiceIds(issues, input.invoiceIds);
  issues.oneOf("source", input.source, PROMISE_SOURCES);
  if (input.createdAt !== undefined) issues.instant("createdAt", input.createdAt);
  issues.throwIfAny("invalid promise to pay");
  const invoiceIds = input.invoiceIds.map((id) => id.toLowerCase());

  return inTransaction(db, async (trx) => {
    if (input.id !== undefined) {
      const existing = await trx
        .selectFrom("promises_to_pay")
        .selectAll()
        .where("tenant_id", "=", tenantId)
        .where("id", "=", input.id)
        .executeTakeFirst();
      if (existing) return toPromise(existing);
    }
    await requireDebtor(trx, tenantId, input.debtorId);
    const baseline = await coveredBalances(trx, tenantId, input.debtorId, invoiceIds, input.currency, issues);
    const covered = Object.values(baseline).reduce((sum, balance) => sum + balance, 0);
    if (issues.count === 0 && input.amountMinor > covered) {
      issues.add("amountMinor", `must not exceed the covered invoices' balance of ${covered} (${input.currency} minor units)`);
    }
    issues.throwIfAny("invalid promise to pay");
    const row = await trx
      .insertInto("promises_to_pay")
      .values({
        ...(input.id === undefined ? {} : { id: input.id }),
        tenant_id: tenantId,
        debtor_id: input.debtorId,
        promised_date: input.promisedDate,
        amount_minor: input.amountMinor,
        currency: input.currency,
        invoice_ids: JSON.stringify(invoiceIds),
        baseline: JSON.stringify(baseline),
        source: input.source,
        ...(input.createdAt === undefined ? {} : { created_at: input.createdAt }),
      })
      .onConflict((conflict) => conflict.columns(["tenant_id", "debtor_id"]).where(sql<boolean>`status = 'open'`).doNothing())
      .returningAll()
      .executeTakeFirst();
    if (!row) throw new RelanceError("conflict", "the debtor already has an open promise to pay");
    return toPromise(row);
  });
}

export async function getPromise(db: Db, tenantId: string, promiseId: string): Promise<PromiseToPay | undefined> {
  if (!isUuid(tenantId) || !isUuid(promiseId)) return undefined;
  const row = await db
    .selectFrom("promises_to_pay")
    .selectAll()
    .where("tenant_id", "=", tenantId)
    .where("id", "=", promiseId)
    .executeTakeFirst();
  return row && toPromise(row);
}

/** The debtor's open promise, if any. */
export async function getOpenPromise(db: Db, tenantId: string, debtorId: string): Promise<PromiseToPay | undefined> {
  if (!isUuid(tenantId) || !isUuid(debtorId)) return undefined;
  const row = await db
    .selectFrom("promises_to_pay")
    .selectAll()
    .where("tenant_id", "=", tenantId)
    .where("debtor_id", "=", debtorId)
    .where("status", "=", "open")
    .executeTakeFirst();
  return row && toPromise(row);
}

/** Marks an open promise kept, broken or cancelled. */
export async function settlePromise(
  db: Db,
  tenantId: string,
  promiseId: string,
  status: PromiseSettlement,
  options: { settledAt?: Date } = {},
): Promise<PromiseToPay> {
  const issues = new Issues();
  issues.oneOf("status", status, ["kept", "broken", "cancelled"] as const);
  if (options.settledAt !== undefined) issues.instant("settledAt", options.settledAt);
  issues.throwIfAny("invalid promise settlement");
  if (!isUuid(tenantId) || !isUuid(promiseId)) throw notFound("promise to pay");
  const updated = await db
    .updateTable("promises_to_pay")
    .set({ status, settled_at: options.settledAt ?? sql<Date>`now()` })
    .where("tenant_id", "=", tenantId)
    .where("id", "=", promiseId)
    .where("status", "=", "open")
    .returningAll()
    .executeTakeFirst();
  if (updated) return toPromise(updated);
  const current = await getPromise(db, tenantId, promiseId);
  if (!current) throw notFound("promise to pay");
  throw new RelanceError("conflict", `promise to pay ${promiseId} is already ${current.status}: it cannot become ${status}`);
}

/** Promises, oldest first. */
export async function listPromises(db: Db, tenantId: string, filter: PromiseFilter = {}): Promise<PromiseToPay[]> {
  if (!isUuid(tenantId) || (filter.debtorId !== undefined && !isUuid(filter.debtorId))) return [];
  let query = db.selectFrom("promises_to_pay").selectAll().where("tenant_id", "=", tenantId);
  if (filter.debtorId !== undefined) query = query.where("debtor_id", "=", filter.debtorId);
  if (filter.status !== undefined) {
    const statuses: readonly PromiseStatus[] = typeof filter.status === "string" ? [filter.status] : filter.status;
    if (statuses.length === 0) return [];
    query = query.where("status", "in", statuses);
  }
  const rows = await query.orderBy("created_at").orderBy("id").execute();
  return rows.map(toPromise);
}

export interface PromiseCounts {
  readonly kept: number;
  readonly broken: number;
}

/** How many of the debtor's promises were kept and broken (a repeat-late signal). */
export async function promiseCounts(db: Db, tenantId: string, debtorId: string): Promise<PromiseCounts> {
  if (!isUuid(tenantId) || !isUuid(debtorId)) return { kept: 0, broken: 0 };
  const row = await db
    .selectFrom("promises_to_pay")
    .select([
      sql<number>`count(*) FILTER (WHERE status = 'kept')`.as("kept"),
      sql<number>`count(*) FILTER (WHERE status = 'broken')`.as("broken"),
    ])
    .where("tenant_id", "=", tenantId)
    .where("debtor_id", "=", debtorId)
    .executeTakeFirstOrThrow();
  return { kept: row.kept, broken: row.broken };
}
