/**
 * Payment plans: the debtor pays the covered invoices in dated instalments. A debtor has at most one
 * active plan (a partial unique index).
 *
 *   plan:       active → completed | broken | cancelled   (final)
 *   instalment: due → paid | missed;  missed → paid (paid late)   — while the plan is active
 */
import { type CalendarDate, notFound, RelanceError } from "@relance/core";
import { type Selectable, sql } from "kysely";
import { Issues, isPlainObject } from "../checks";
import type { Db, InstalmentStatus, PaymentPlansTable, PlanInstalmentsTable, PlanStatus } from "../schema";
import { inTransaction, isUuid } from "../support";
import { checkInvoiceIds, coveredBalances, requireDebtor } from "./case-invoices";

export type { InstalmentStatus, PlanStatus };

export interface Instalment {
  /** 1 for the first instalment. */
  readonly seq: number;
  readonly dueDate: string;
  readonly amountMinor: number;
  readonly status: InstalmentStatus;
  readonly updatedAt: Date;
}

export interface PaymentPlan {
  readonly id: string;
  readonly tenantId: string;
  readonly debtorId: string;
  readonly currency: string;
  readonly totalMinor: number;
  readonly invoiceIds: string[];
  readonly status: PlanStatus;
  readonly createdAt: Date;
  readonly endedAt: Date | null;
  /** In order of seq (and so of due date). */
  readonly instalments: Instalment[];
}

export interface NewInstalment {
  readonly dueDate: string;
  readonly amountMinor: number;
}

export interface CreatePlanInput {
  /** Chosen by the caller (a workflow) so a retried write finds its own row instead of conflicting. */
  readonly id?: string;
  readonly debtorId: string;
  readonly currency: string;
  readonly totalMinor: number;
  /** The invoices the plan covers: open invoices of the debtor, in `currency`. */
  readonly invoiceIds: readonly string[];
  /** Sorted by due date, strictly increasing; the amounts add up to totalMinor. */
  readonly instalments: readonly NewInstalment[];
  readonly createdAt?: Date;
}

/** The policy's plan rules the new plan must respect, and the date it is agreed on. */
export interface PlanRules {
  readonly maxInstalments: number;
  /** Smallest instalment per currency, in minor units; a currency not listed has no minimum. */
  readonly minInstalmentMinor: Readonly<Record<string, number>>;
  /** Today in the debtor's calendar: the first instalment cannot be earlier. */
  readonly today: CalendarDate;
}

export type PlanEnd = Exclude<PlanStatus, "active">;

function toInstalment(row: Selectable<PlanInstalmentsTable>): Instalment {
  return { seq: row.seq, dueDate: row.due_date, amountMinor: row.amount_minor, status: row.status, updatedAt: row.updated_at };
}

function toPlan(row: Selectable<PaymentPlansTable>, instalments: Selectable<PlanInstalmentsTable>[]): PaymentPlan {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    debtorId: row.debtor_id,
    currency: row.currency,
    totalMinor: row.total_minor,
    invoiceIds: row.invoice_ids,
    status: row.status,
    createdAt: row.created_at,
    endedAt: row.ended_at,
    instalments: instalments.map(toInstalment),
  };
}

async function withInstalments(db: Db, row: Selectable<PaymentPlansTable>): Promise<PaymentPlan> {
  const instalments = await db
    .selectFrom("plan_instalments")
    .selectAll()
    .where("tenant_id", "=", row.tenant_id)
    .where("plan_id", "=", row.id)
    .orderBy("seq")
    .execute();
  return toPlan(row, instalments);
}

function checkRules(rules: PlanRules): void {
  const issues = new Issues();
  if (!Number.isSafeInteger(rules.maxInstalments) || rules.maxInstalments < 1) {
    issues.add("rules.maxInstalments", "must be a positive integer");
  }
  if (!isPlainObject(rules.minInstalmentMinor)) issues.add("rules.minInstalmentMinor", "must be an object");
  else {
    for (const [currency, minimum] of Object.entries(rules.minInstalmentMinor)) {
      issues.minor(`rules.minInstalmentMinor.${currency}`, minimum, { allowZero: true });
    }
  }
  issues.date("rules.today", rules.today);
  issues.throwIfAny("invalid payment plan rules");
}

/** Checks the plan itself against the rules (no database needed). */
function checkPlan(issues: Issues, input: CreatePlanInput, rules: PlanRules): void {
  const currencyOk = issues.currency("currency", input.currency);
  const totalOk = issues.minor("totalMinor", input.totalMinor);
  checkInvoiceIds(issues, input.invoiceIds);
  if (input.createdAt !== undefined) issues.instant("createdAt", input.createdAt);
  if (!Array.isArray(input.instalments) || input.instalments.length === 0) {
    issues.add("instalments", "must list at least one instalment");
    return;
  }
  if (input.instalments.length > rules.maxInstalments) {
    issues.add("instalments", `at most ${rules.maxInstalments} instalments are allowed, not ${input.instalments.length}`);
  }
  const minimum = currencyOk ? rules.minInstalmentMinor[input.currency] : undefined;
  let sum = 0;
  let sumOk = true;
  let previousDate: string | undefined;
  input.instalments.forEach((instalment: unknown, index) => {
    const path = `instalments[${index}]`;
    if (!isPlainObject(instalment)) {
      issues.add(path, "must be an object with dueDate and amountMinor");
      sumOk = false;
      previousDate = undefined;
      return;
    }
    if (issues.minor(`${path}.amountMinor`, instalment.amountMinor)) {
      sum += instalment.amountMinor;
      if (minimum !== undefined && instalment.amountMinor < minimum) {
        issues.add(`${path}.amountMinor`, `must be at least ${minimum} (${input.currency} minor units)`);
      }
    } else sumOk = false;
    if (issues.date(`${path}.dueDate`, instalment.dueDate)) {
      if (index === 0 && instalment.dueDate < rules.today) {
        issues.add(`${path}.dueDate`, `must not be in the past (today is ${rules.today})`);
      }
      if (previousDate !== undefined && instalment.dueDate <= previousDate) {
        issues.add(`${path}.dueDate`, `must be after the previous instalment's date (${previousDate})`);
      }
      previousDate = instalment.dueDate;
    } else previousDate = undefined;
  });
  if (totalOk && sumOk && sum !== input.totalMinor) {
    issues.add("totalMinor", `the instalments add up to ${sum}, not ${input.totalMinor}`);
  }
}

/**
 * Creates an active plan with its instalments. Every rule broken is reported, each under its field path
 * ("instalments[2].amountMinor"); a debtor with an active plan already is a conflict.
 */
export async function createPlan(db: Db, tenantId: string, input: CreatePlanInput, rules: PlanRules): Promise<PaymentPlan> {
  checkRules(rules);
  const issues = new Issues();
  checkPlan(issues, input, rules);
  issues.throwIfAny("invalid payment plan");
  const invoiceIds = input.invoiceIds.map((id) => id.toLowerCase());

  return inTransaction(db, async (trx) => {
    if (input.id !== undefined) {
      const existing = await getPlan(trx, tenantId, input.id);
      if (existing) return existing;
    }
    await requireDebtor(trx, tenantId, input.debtorId);
    const balances = await coveredBalances(trx, tenantId, input.debtorId, invoiceIds, input.currency, issues);
    const covered = Object.values(balances).reduce((sum, balance) => sum + balance, 0);
    if (issues.count === 0 && input.totalMinor > covered) {
      issues.add("totalMinor", `must not exceed the covered invoices' balance of ${covered} (${input.currency} minor units)`);
    }
    issues.throwIfAny("invalid payment plan");
    const plan = await trx
      .insertInto("payment_plans")
      .values({
        ...(input.id === undefined ? {} : { id: input.id }),
        tenant_id: tenantId,
        debtor_id: input.debtorId,
        currency: input.currency,
        total_minor: input.totalMinor,
        invoice_ids: JSON.stringify(invoiceIds),
        ...(input.createdAt === undefined ? {} : { created_at: input.createdAt }),
      })
      .onConflict((conflict) => conflict.columns(["tenant_id", "debtor_id"]).where(sql<boolean>`status = 'active'`).doNothing())
      .returningAll()
      .executeTakeFirst();
    if (!plan) throw new RelanceError("conflict", "the debtor already has an active payment plan");
    const instalments = await trx
      .insertInto("plan_instalments")
      .values(
        input.instalments.map((instalment, index) => ({
          tenant_id: tenantId,
          plan_id: plan.id,
          seq: index + 1,
          due_date: instalment.dueDate,
          amount_minor: instalment.amountMinor,
        })),
      )
      .returningAll()
      .execute();
    return toPlan(
      plan,
      instalments.sort((a, b) => a.seq - b.seq),
    );
  });
}

export async function getPlan(db: Db, tenantId: string, planId: string): Promise<PaymentPlan | undefined> {
  if (!isUuid(tenantId) || !isUuid(planId)) return undefined;
  const row = await db
    .selectFrom("payment_plans")
    .selectAll()
    .where("tenant_id", "=", tenantId)
    .where("id", "=", planId)
    .executeTakeFirst();
  return row && withInstalments(db, row);
}

/** The debtor's active plan, if any. */
export async function getActivePlan(db: Db, tenantId: string, debtorId: string): Promise<PaymentPlan | undefined> {
  if (!isUuid(tenantId) || !isUuid(debtorId)) return undefined;
  const row = await db
    .selectFrom("payment_plans")
    .selectAll()
    .where("tenant_id", "=", tenantId)
    .where("debtor_id", "=", debtorId)
    .where("status", "=", "active")
    .executeTakeFirst();
  return row && withInstalments(db, row);
}

/** Locks the plan for a change; not_found when absent, conflict unless it is active. */
async function lockActivePlan(trx: Db, tenantId: string, planId: string, change: string) {
  const row = await trx
    .selectFrom("payment_plans")
    .selectAll()
    .where("tenant_id", "=", tenantId)
    .where("id", "=", planId)
    .forUpdate()
    .executeTakeFirst();
  if (!row) throw notFound("payment plan");
  if (row.status !== "active") throw new RelanceError("conflict", `payment plan ${planId} is ${row.status}: ${change} refused`);
  return row;
}

/** Records an instalment as paid or missed; returns the whole plan. */
export async function markInstalment(
  db: Db,
  tenantId: string,
  planId: string,
  seq: number,
  status: Exclude<InstalmentStatus, "due">,
): Promise<PaymentPlan> {
  const issues = new Issues();
  if (!Number.isSafeInteger(seq) || seq < 1) issues.add("seq", "must be a positive integer");
  issues.oneOf("status", status, ["paid", "missed"] as const);
  issues.throwIfAny("invalid instalment change");
  if (!isUuid(tenantId) || !isUuid(planId)) throw notFound("payment plan");
  return inTransaction(db, async (trx) => {
    const plan = await lockActivePlan(trx, tenantId, planId, `marking instalment ${seq} ${status}`);
    // A missed instalment can still be paid (late); a paid one is settled, and nothing is marked twice.
    const from: readonly InstalmentStatus[] = status === "paid" ? ["due", "missed"] : ["due"];
    const updated = await trx
      .updateTable("plan_instalments")
      .set({ status, updated_at: sql<Date>`now()` })
      .where("tenant_id", "=", tenantId)
      .where("plan_id", "=", planId)
      .where("seq", "=", seq)
      .where("status", "in", from)
      .executeTakeFirst();
    if (updated.numUpdatedRows === 0n) {
      const current = await trx
        .selectFrom("plan_instalments")
        .select("status")
        .where("tenant_id", "=", tenantId)
        .where("plan_id", "=", planId)
        .where("seq", "=", seq)
        .executeTakeFirst();
      if (!current) throw notFound("instalment");
      throw new RelanceError(
        "conflict",
        `instalment ${seq} of plan ${planId} is already ${current.status}, it cannot become ${status}`,
      );
    }
    return withInstalments(trx, plan);
  });
}

/** Ends an active plan: completed, broken or cancelled. */
export async function endPlan(
  db: Db,
  tenantId: string,
  planId: string,
  status: PlanEnd,
  options: { endedAt?: Date } = {},
): Promise<PaymentPlan> {
  const issues = new Issues();
  issues.oneOf("status", status, ["completed", "broken", "cancelled"] as const);
  if (options.endedAt !== undefined) issues.instant("endedAt", options.endedAt);
  issues.throwIfAny("invalid payment plan end");
  if (!isUuid(tenantId) || !isUuid(planId)) throw notFound("payment plan");
  return inTransaction(db, async (trx) => {
    await lockActivePlan(trx, tenantId, planId, `ending it as ${status}`);
    const row = await trx
      .updateTable("payment_plans")
      .set({ status, ended_at: options.endedAt ?? sql<Date>`now()` })
      .where("tenant_id", "=", tenantId)
      .where("id", "=", planId)
      .returningAll()
      .executeTakeFirstOrThrow();
    return withInstalments(trx, row);
  });
}
