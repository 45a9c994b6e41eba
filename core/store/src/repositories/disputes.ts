/**
 * Disputes: a debtor contests part (or all) of an invoice. At most one dispute per invoice is open at a
 * time (a partial unique index), and a dispute never claims more than the invoice's balance at opening.
 *
 *   open → in_mediation (a mediator is assigned; may be reassigned)
 *   open | in_mediation → upheld | rejected | partly_upheld | escalated | withdrawn   (final)
 */
import { notFound, RelanceError } from "@relance/core";
import { type Selectable, sql } from "kysely";
import { Issues, isPlainObject } from "../checks";
import type { Db, DisputeOutcome, DisputeReason, DisputeStatus, DisputesTable, Mediator } from "../schema";
import { inTransaction, isUuid } from "../support";

export type { DisputeOutcome, DisputeReason, DisputeStatus, Mediator };

export const DISPUTE_REASONS: readonly DisputeReason[] = [
  "billing_error",
  "not_as_agreed",
  "already_paid",
  "financial_hardship",
  "wrong_recipient",
  "other",
];
/** Statuses of a dispute still being handled: its amount is disputed. */
export const OPEN_DISPUTE_STATUSES: readonly DisputeStatus[] = ["open", "in_mediation"];

const MAX_TEXT = 10_000;

export interface Dispute {
  readonly id: string;
  readonly tenantId: string;
  readonly debtorId: string;
  readonly invoiceId: string;
  /** The disputed part of the invoice, in minor units of `currency`. */
  readonly amountMinor: number;
  readonly currency: string;
  readonly reason: DisputeReason;
  readonly comment: string;
  readonly status: DisputeStatus;
  readonly mediator: Mediator | null;
  readonly slaDueAt: Date | null;
  /** Set once resolved. */
  readonly outcome: DisputeOutcome | null;
  readonly openedAt: Date;
  readonly resolvedAt: Date | null;
  /** Who opened it: a user id, "reply-classifier", "debtor-page"… */
  readonly createdBy: string;
  readonly updatedAt: Date;
}

export interface OpenDisputeInput {
  /** Chosen by the caller (a workflow) so a retried write finds its own row instead of conflicting. */
  readonly id?: string;
  readonly invoiceId: string;
  /** When given, the invoice must belong to this debtor (the dispute is always on the invoice's debtor). */
  readonly debtorId?: string;
  readonly amountMinor: number;
  readonly reason: DisputeReason;
  readonly comment?: string;
  readonly createdBy: string;
  readonly openedAt?: Date;
}

export interface AssignMediatorInput {
  readonly mediator: Mediator;
  /** When the mediator should reach an outcome; left out = unchanged. */
  readonly slaDueAt?: Date | null;
}

/**
 * How a dispute ends. `explanation` goes to the debtor when a dispute is rejected or partly upheld, so it
 * is required there. The stored outcome's `upheldMinor` is what the creditor concedes: the whole amount
 * when upheld, the given part when partly upheld, nothing otherwise.
 */
export type DisputeResolution =
  | { readonly status: "upheld"; readonly explanation?: string }
  | { readonly status: "rejected"; readonly explanation: string }
  | { readonly status: "partly_upheld"; readonly upheldMinor: number; readonly explanation: string }
  | { readonly status: "escalated"; readonly explanation?: string }
  | { readonly status: "withdrawn"; readonly explanation?: string };

export interface DisputeFilter {
  readonly debtorId?: string;
  readonly invoiceId?: string;
  readonly status?: DisputeStatus | readonly DisputeStatus[];
}

function toDispute(row: Selectable<DisputesTable>): Dispute {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    debtorId: row.debtor_id,
    invoiceId: row.invoice_id,
    amountMinor: row.amount_minor,
    currency: row.currency,
    reason: row.reason,
    comment: row.comment,
    status: row.status,
    mediator: row.mediator,
    slaDueAt: row.sla_due_at,
    outcome: row.outcome,
    openedAt: row.opened_at,
    resolvedAt: row.resolved_at,
    createdBy: row.created_by,
    updatedAt: row.updated_at,
  };
}

function isOpen(status: DisputeStatus): boolean {
  return OPEN_DISPUTE_STATUSES.includes(status);
}

export async function openDispute(db: Db, tenantId: string, input: OpenDisputeInput): Promise<Dispute> {
  const issues = new Issues();
  issues.minor("amountMinor", input.amountMinor);
  issues.oneOf("reason", input.reason, DISPUTE_REASONS);
  if (input.comment !== undefined) issues.text("comment", input.comment, { max: MAX_TEXT });
  issues.text("createdBy", input.createdBy, { max: 200, required: true });
  if (input.openedAt !== undefined) issues.instant("openedAt", input.openedAt);
  issues.throwIfAny("invalid dispute");
  if (!isUuid(tenantId) || !isUuid(input.invoiceId)) throw notFound("invoice");
  if (input.debtorId !== undefined && !isUuid(input.debtorId)) throw notFound("debtor");

  return inTransaction(db, async (trx) => {
    if (input.id !== undefined) {
      const existing = await trx
        .selectFrom("disputes")
        .selectAll()
        .where("tenant_id", "=", tenantId)
        .where("id", "=", input.id)
        .executeTakeFirst();
      if (existing) return toDispute(existing);
    }
    // FOR SHARE: the balance checked below cannot change before this transaction ends.
    const invoice = await trx
      .selectFrom("invoices")
      .select(["id", "debtor_id", "number", "currency", "status", "balance_minor"])
      .where("tenant_id", "=", tenantId)
      .where("id", "=", input.invoiceId)
      .forShare()
      .executeTakeFirst();
    if (!invoice) throw notFound("invoice");
    if (input.debtorId !== undefined && invoice.debtor_id !== input.debtorId.toLowerCase()) {
      issues.add("invoiceId", "the invoice belongs to another debtor");
    } else if (invoice.status !== "open") {
      issues.add("invoiceId", `invoice ${invoice.number} is ${invoice.status}: only an open invoice can be disputed`);
    } else if (input.amountMinor > invoice.balance_minor) {
      issues.add(
        "amountMinor",
        `must not exceed the invoice's balance of ${invoice.balance_minor} (${invoice.currency} minor units)`,
      );
    }
    issues.throwIfAny("invalid dispute");
    // DO NOTHING on the one-open-dispute-per-invoice index: a second open dispute is a conflict that
    // leaves a caller's transaction usable (an error would abort it).
    const row = await trx
      .insertInto("disputes")
      .values({
        ...(input.id === undefined ? {} : { id: input.id }),
        tenant_id: tenantId,
        debtor_id: invoice.debtor_id,
        invoice_id: invoice.id,
        amount_minor: input.amountMinor,
        currency: invoice.currency,
        reason: input.reason,
        comment: input.comment ?? "",
        created_by: input.createdBy,
        ...(input.openedAt === undefined ? {} : { opened_at: input.openedAt }),
      })
      .onConflict((conflict) =>
        conflict
          .columns(["tenant_id", "invoice_id"])
          // Literal SQL: an index predicate with bound parameters would not match the partial index.
          .where(sql<boolean>`status IN ('open', 'in_mediation')`)
          .doNothing(),
      )
      .returningAll()
      .executeTakeFirst();
    if (!row) throw new RelanceError("conflict", `invoice ${invoice.number} already has an open dispute`);
    return toDispute(row);
  });
}

export async function getDispute(db: Db, tenantId: string, disputeId: string): Promise<Dispute | undefined> {
  if (!isUuid(tenantId) || !isUuid(disputeId)) return undefined;
  const row = await db
    .selectFrom("disputes")
    .selectAll()
    .where("tenant_id", "=", tenantId)
    .where("id", "=", disputeId)
    .executeTakeFirst();
  return row && toDispute(row);
}

/** Disputes, oldest first. */
export async function listDisputes(db: Db, tenantId: string, filter: DisputeFilter = {}): Promise<Dispute[]> {
  if (
    !isUuid(tenantId) ||
    (filter.debtorId !== undefined && !isUuid(filter.debtorId)) ||
    (filter.invoiceId !== undefined && !isUuid(filter.invoiceId))
  ) {
    return [];
  }
  let query = db.selectFrom("disputes").selectAll().where("tenant_id", "=", tenantId);
  if (filter.debtorId !== undefined) query = query.where("debtor_id", "=", filter.debtorId);
  if (filter.invoiceId !== undefined) query = query.where("invoice_id", "=", filter.invoiceId);
  if (filter.status !== undefined) {
    const statuses: readonly DisputeStatus[] = typeof filter.status === "string" ? [filter.status] : filter.status;
    if (statuses.length === 0) return [];
    query = query.where("status", "in", statuses);
  }
  const rows = await query.orderBy("opened_at").orderBy("id").execute();
  return rows.map(toDispute);
}

function checkMediator(issues: Issues, mediator: unknown): mediator is Mediator {
  if (!isPlainObject(mediator)) {
    issues.add("mediator", "must be an object");
    return false;
  }
  const before = issues.count;
  if (mediator.kind === "user") {
    issues.text("mediator.userId", mediator.userId, { max: 200, required: true });
    issues.text("mediator.name", mediator.name, { max: 200, required: true });
    for (const key of Object.keys(mediator)) {
      if (!["kind", "userId", "name"].includes(key)) issues.add(`mediator.${key}`, "unknown field");
    }
  } else if (mediator.kind === "external") {
    issues.text("mediator.name", mediator.name, { max: 200, required: true });
    if (
      issues.text("mediator.email", mediator.email, { max: 320, required: true }) &&
      !/^[^\s@]+@[^\s@]+$/.test(mediator.email)
    ) {
      issues.add("mediator.email", "must be an email address");
    }
    for (const key of Object.keys(mediator)) {
      if (!["kind", "name", "email"].includes(key)) issues.add(`mediator.${key}`, "unknown field");
    }
  } else {
    issues.add("mediator.kind", "must be user or external");
  }
  return issues.count === before;
}

/** Loads the dispute for a change, locked; not_found when absent, conflict when already resolved. */
async function lockOpenDispute(trx: Db, tenantId: string, disputeId: string, change: string) {
  const row = await trx
    .selectFrom("disputes")
    .selectAll()
    .where("tenant_id", "=", tenantId)
    .where("id", "=", disputeId)
    .forUpdate()
    .executeTakeFirst();
  if (!row) throw notFound("dispute");
  if (!isOpen(row.status)) {
    throw new RelanceError("conflict", `dispute ${disputeId} is already ${row.status}: it cannot be ${change}`);
  }
  return row;
}

/** Puts the dispute in mediation with this mediator (or changes the mediator of one in mediation). */
export async function assignMediator(db: Db, tenantId: string, disputeId: string, input: AssignMediatorInput): Promise<Dispute> {
  const issues = new Issues();
  checkMediator(issues, input.mediator);
  if (input.slaDueAt !== undefined && input.slaDueAt !== null) issues.instant("slaDueAt", input.slaDueAt);
  issues.throwIfAny("invalid mediator");
  if (!isUuid(tenantId) || !isUuid(disputeId)) throw notFound("dispute");
  return inTransaction(db, async (trx) => {
    await lockOpenDispute(trx, tenantId, disputeId, "mediated");
    const row = await trx
      .updateTable("disputes")
      .set({
        status: "in_mediation",
        mediator: JSON.stringify(input.mediator),
        ...(input.slaDueAt === undefined ? {} : { sla_due_at: input.slaDueAt }),
        updated_at: sql<Date>`now()`,
      })
      .where("tenant_id", "=", tenantId)
      .where("id", "=", disputeId)
      .returningAll()
      .executeTakeFirstOrThrow();
    return toDispute(row);
  });
}

/** Ends an open dispute; resolving one already resolved is a conflict. */
export async function resolveDispute(
  db: Db,
  tenantId: string,
  disputeId: string,
  resolution: DisputeResolution,
  options: { resolvedAt?: Date } = {},
): Promise<Dispute> {
  const issues = new Issues();
  const statuses = ["upheld", "rejected", "partly_upheld", "escalated", "withdrawn"] as const;
  issues.oneOf("status", resolution.status, statuses);
  const explanationRequired = resolution.status === "rejected" || resolution.status === "partly_upheld";
  if (resolution.explanation !== undefined || explanationRequired) {
    issues.text("explanation", resolution.explanation, { max: MAX_TEXT, required: explanationRequired });
  }
  if (resolution.status === "partly_upheld") issues.minor("upheldMinor", resolution.upheldMinor);
  if (options.resolvedAt !== undefined) issues.instant("resolvedAt", options.resolvedAt);
  issues.throwIfAny("invalid dispute resolution");
  if (!isUuid(tenantId) || !isUuid(disputeId)) throw notFound("dispute");

  return inTransaction(db, async (trx) => {
    const current = await lockOpenDispute(trx, tenantId, disputeId, resolution.status);
    let upheldMinor = 0;
    if (resolution.status === "upheld") upheldMinor = current.amount_minor;
    if (resolution.status === "partly_upheld") {
      if (resolution.upheldMinor >= current.amount_minor) {
        issues.add("upheldMinor", `must be less than the disputed amount (${current.amount_minor}); uphold it in full instead`);
      }
      upheldMinor = resolution.upheldMinor;
    }
    issues.throwIfAny("invalid dispute resolution");
    const outcome: DisputeOutcome = { upheldMinor, explanation: resolution.explanation ?? "" };
    const row = await trx
      .updateTable("disputes")
      .set({
        status: resolution.status,
        outcome: JSON.stringify(outcome),
        resolved_at: options.resolvedAt ?? sql<Date>`now()`,
        updated_at: sql<Date>`now()`,
      })
      .where("tenant_id", "=", tenantId)
      .where("id", "=", disputeId)
      .returningAll()
      .executeTakeFirstOrThrow();
    return toDispute(row);
  });
}

/**
 * Invoice id → disputed minor units, over the debtor's open disputes (open or in mediation). Read it
 * right before sending: a dispute may have been opened since the step was planned.
 */
export async function openDisputedAmounts(db: Db, tenantId: string, debtorId: string): Promise<Record<string, number>> {
  const amounts: Record<string, number> = {};
  if (!isUuid(tenantId) || !isUuid(debtorId)) return amounts;
  const rows = await db
    .selectFrom("disputes")
    .select(["invoice_id", sql<number>`sum(amount_minor)::bigint`.as("amount")])
    .where("tenant_id", "=", tenantId)
    .where("debtor_id", "=", debtorId)
    .where("status", "in", OPEN_DISPUTE_STATUSES)
    .groupBy("invoice_id")
    .execute();
  for (const row of rows) amounts[row.invoice_id] = row.amount;
  return amounts;
}
