/**
 * Policy time: how calendar days map to instants (real days, or compressed ones for demos and tests), and
 * the ledger snapshot the API shows. No I/O, no clock reads, no zod: workflow code imports this (through
 * "@relance/core/workflow") and must stay deterministic.
 */
import { addDays, type CalendarDate, calendarDateOf, daysBetween } from "./dates";
import type { Money } from "./money";

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
