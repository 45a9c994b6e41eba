/** Shared builders for the collection planner tests: terse cases, invoices and policies on a fixed time scale. */
import { applyEvent, type CaseEvent } from "../src/collection/case-events";
import { type CaseInvoice, type CaseState, initialCaseState, type OpenDispute } from "../src/collection/case-state";
import type { CollectionPolicy } from "../src/collection/policy";
import { type CollectionPolicyInput, collectionPolicySchema } from "../src/collection/policy-schema";
import { instantOf, REAL_DAY_MS, realTimeScale, type TimeScale } from "../src/ladder";

export const DAY = REAL_DAY_MS;
/** Real days; steps fire at 09:00 UTC on their date. */
export const scale: TimeScale = realTimeScale("2026-01-01");

/** 09:00 UTC on `date` plus `days`: the instant a step with that offset fires. */
export const on = (date: string, days = 0): number => instantOf(date, days, scale);

export const invoice = (id: string, dueDate: string, balanceMinor: number, currency = "EUR"): CaseInvoice => ({
  id,
  number: `F-${id}`,
  currency,
  balanceMinor,
  dueDate,
});

export function caseOf(invoices: readonly CaseInvoice[], patch: Partial<CaseState> = {}): CaseState {
  return { ...initialCaseState(invoices, { segments: [], kind: "b2b", country: "FR" }), ...patch };
}

export function dispute(id: string, invoiceId: string, amountMinor: number, patch: Partial<OpenDispute> = {}): OpenDispute {
  return {
    id,
    invoiceId,
    amountMinor,
    currency: "EUR",
    reason: "billing_error",
    openedAt: on("2026-01-01"),
    mediator: null,
    slaAt: null,
    mediatorRemindersSent: 0,
    levelAtOpening: -1,
    ...patch,
  };
}

type DeepReadonly<T> = T extends readonly (infer E)[]
  ? readonly DeepReadonly<E>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;
/** What policyOf takes: an authored policy, or a parsed one spread with changes (its arrays are readonly). */
export type PolicyInput = DeepReadonly<Partial<CollectionPolicyInput> & Pick<CollectionPolicyInput, "steps">>;

/** Relaxed guards unless the test sets them: any day, no gap, a cap nobody reaches. */
export function policyOf(input: PolicyInput): CollectionPolicy {
  return collectionPolicySchema.parse({
    key: "test",
    name: "Test ladder",
    guards: { businessDaysOnly: false, minGapDays: 0, maxContactsPer30Days: 30 },
    ...input,
  });
}

/** D-3 email, D+1 email, D+8 email, D+15 letter, D+30 registered letter repeated twice, a week apart. */
export const ladder = policyOf({
  steps: [
    { id: "pre-due", offsetDays: -3, action: "email", template: "pre-due" },
    { id: "first", offsetDays: 1, action: "email", template: "first" },
    { id: "second", offsetDays: 8, action: "email", template: "second" },
    { id: "letter", offsetDays: 15, action: "letter", template: "letter" },
    { id: "final", offsetDays: 30, action: "registered_letter", template: "final", repeat: { everyDays: 7, times: 2 } },
  ],
});

export function applyAll(state: CaseState, events: readonly CaseEvent[], policy: CollectionPolicy): CaseState {
  return events.reduce((current, event) => applyEvent(current, event, policy), state);
}

/** Contacts of `state` in the rolling window that ends at `at`: (at − 30 days, at]. */
export function contactsInWindow(contacts: readonly { readonly at: number }[], at: number, dayMs: number): number {
  return contacts.filter((contact) => contact.at > at - 30 * dayMs && contact.at <= at).length;
}
