/**
 * The escalation ladder and its pure planner. No I/O, no clock reads, no zod: workflow code imports
 * this (through "@relance/core/workflow") and must stay deterministic.
 */
import { addDays, type CalendarDate, calendarDateOf, daysBetween } from "./dates";
import type { Money } from "./money";

export interface LadderStep {
  readonly id: string;
  /** Days from the due date of the debtor's oldest unpaid invoice; negative = before it is due. */
  readonly offsetDays: number;
  readonly action: "email";
  readonly template: string;
}

export interface LadderPolicy {
  readonly key: string;
  readonly version: number;
  readonly name: string;
  readonly steps: readonly LadderStep[];
}

/** What the ledger says about a debtor, as far as planning needs it. Holds no personal data. */
export interface CaseSnapshot {
  /** Positive open balances, one per currency. Empty when nothing is owed. */
  readonly openBalances: readonly Money[];
  /** Due date of the oldest unpaid invoice: the ladder is anchored on it. */
  readonly oldestDueDate: CalendarDate | null;
  readonly openInvoiceCount: number;
}

/**
 * Maps calendar days to instants. In production a day is a day and steps fire at `sendHourUtc`
 * on their date; for demos and tests a day can be compressed to seconds around `originEpochMs`.
 */
export interface TimeScale {
  readonly dayMs: number;
  readonly originDate: CalendarDate;
  readonly originEpochMs: number;
}

export const REAL_DAY_MS = 86_400_000;

export function realTimeScale(originDate: CalendarDate, sendHourUtc = 9): TimeScale {
  return { dayMs: REAL_DAY_MS, originDate, originEpochMs: Date.parse(`${originDate}T00:00:00Z`) + sendHourUtc * 3_600_000 };
}

export function instantOf(date: CalendarDate, offsetDays: number, scale: TimeScale): number {
  return scale.originEpochMs + (daysBetween(scale.originDate, date) + offsetDays) * scale.dayMs;
}

/** The policy calendar's date at an instant: real days in production, compressed days in demos and tests. */
export function todayOf(scale: TimeScale, nowMs: number): CalendarDate {
  if (scale.dayMs === REAL_DAY_MS) return calendarDateOf(nowMs);
  return addDays(scale.originDate, Math.floor((nowMs - scale.originEpochMs) / scale.dayMs));
}

export type Plan =
  | { readonly kind: "closed"; readonly reason: "balance_zero" }
  | { readonly kind: "ladder_complete" }
  | {
      readonly kind: "step";
      readonly stepIndex: number;
      readonly step: LadderStep;
      readonly at: number;
      /** Earlier steps that were already due and are passed over (a debtor met late gets one message, not a burst). */
      readonly skipped: readonly number[];
    };

/** The snapshot of a debtor's open invoices (those with a balance), balances ordered by currency. */
export function snapshotOf(
  openInvoices: readonly { readonly currency: string; readonly balanceMinor: number; readonly dueDate: CalendarDate }[],
): CaseSnapshot {
  const owing = openInvoices.filter((invoice) => invoice.balanceMinor > 0);
  const totals = new Map<string, number>();
  for (const invoice of owing) totals.set(invoice.currency, (totals.get(invoice.currency) ?? 0) + invoice.balanceMinor);
  return {
    openBalances: [...totals]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([currency, amountMinor]) => ({ amountMinor, currency })),
    oldestDueDate: owing.map((invoice) => invoice.dueDate).sort()[0] ?? null,
    openInvoiceCount: owing.length,
  };
}

export function hasBalance(snapshot: CaseSnapshot): boolean {
  return snapshot.openBalances.some((balance) => balance.amountMinor > 0);
}

/**
 * Next thing to do for a case. `level` is the index of the last step done (-1 before the first);
 * escalation only moves forward.
 */
export function planNext(policy: LadderPolicy, snapshot: CaseSnapshot, level: number, nowMs: number, scale: TimeScale): Plan {
  if (!hasBalance(snapshot) || snapshot.oldestDueDate === null) return { kind: "closed", reason: "balance_zero" };
  const anchor = snapshot.oldestDueDate;
  const remaining = policy.steps.map((step, index) => ({ step, index })).filter(({ index }) => index > level);
  if (remaining.length === 0) return { kind: "ladder_complete" };
  const due = remaining.filter(({ step }) => instantOf(anchor, step.offsetDays, scale) <= nowMs);
  const latestDue = due.at(-1);
  if (latestDue) {
    return {
      kind: "step",
      stepIndex: latestDue.index,
      step: latestDue.step,
      at: nowMs,
      skipped: due.slice(0, -1).map(({ index }) => index),
    };
  }
  const [next] = remaining as [(typeof remaining)[number]];
  return {
    kind: "step",
    stepIndex: next.index,
    step: next.step,
    at: instantOf(anchor, next.step.offsetDays, scale),
    skipped: [],
  };
}
