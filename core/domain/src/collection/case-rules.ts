/**
 * Rules a credit controller's request must meet before a case accepts it: a promise to pay, a payment
 * plan, a policy migration. Pure, so the workflow's update validators and the API share them.
 */
import { addDays, type CalendarDate, isCalendarDate } from "../dates";
import type { CaseState, Instalment } from "./case-state";
import { chaseOf } from "./planner";
import type { CollectionPolicy } from "./policy";

export interface RuleIssue {
  readonly path: string;
  readonly message: string;
}

function chaseableIn(state: CaseState, policy: CollectionPolicy, currency: string): number {
  return (chaseOf(state, policy)?.invoices ?? [])
    .filter((invoice) => invoice.currency === currency)
    .reduce((sum, invoice) => sum + invoice.amountMinor, 0);
}

export function validatePromise(
  request: { readonly promisedDate: string; readonly amountMinor: number; readonly currency: string },
  state: CaseState,
  policy: CollectionPolicy,
  today: CalendarDate,
): RuleIssue | null {
  if (!isCalendarDate(request.promisedDate)) return { path: "promisedDate", message: "must be a calendar date YYYY-MM-DD" };
  if (request.promisedDate < today) return { path: "promisedDate", message: `must not be in the past (today is ${today})` };
  const latest = addDays(today, policy.promises.maxDaysAhead);
  if (request.promisedDate > latest) {
    return { path: "promisedDate", message: `must be within ${policy.promises.maxDaysAhead} days (on or before ${latest})` };
  }
  const owed = chaseableIn(state, policy, request.currency);
  if (owed === 0) return { path: "currency", message: `nothing undisputed is owed in ${request.currency}` };
  if (!Number.isSafeInteger(request.amountMinor) || request.amountMinor <= 0 || request.amountMinor > owed) {
    return { path: "amountMinor", message: `must be between 1 and ${owed}, the undisputed balance in ${request.currency}` };
  }
  return null;
}

export function validatePaymentPlan(
  request: { readonly currency: string; readonly instalments: readonly Instalment[] },
  state: CaseState,
  policy: CollectionPolicy,
  today: CalendarDate,
): RuleIssue | null {
  const rules = policy.paymentPlans;
  const { instalments } = request;
  if (instalments.length === 0) return { path: "instalments", message: "at least one instalment" };
  if (instalments.length > rules.maxInstalments) {
    return { path: "instalments", message: `at most ${rules.maxInstalments} instalments (the policy's limit)` };
  }
  const owed = chaseableIn(state, policy, request.currency);
  if (owed === 0) return { path: "currency", message: `nothing undisputed is owed in ${request.currency}` };
  const minimum = rules.minInstalmentMinor[request.currency] ?? 1;
  let total = 0;
  for (const [index, instalment] of instalments.entries()) {
    if (!isCalendarDate(instalment.dueDate)) {
      return { path: `instalments[${index}].dueDate`, message: "must be a calendar date YYYY-MM-DD" };
    }
    if (index === 0 && instalment.dueDate < today) {
      return { path: `instalments[${index}].dueDate`, message: `must not be in the past (today is ${today})` };
    }
    const previous = instalments[index - 1];
    if (previous && instalment.dueDate <= previous.dueDate) {
      return {
        path: `instalments[${index}].dueDate`,
        message: `must be later than the previous instalment (${previous.dueDate})`,
      };
    }
    if (!Number.isSafeInteger(instalment.amountMinor) || instalment.amountMinor < minimum) {
      return {
        path: `instalments[${index}].amountMinor`,
        message: `must be at least ${minimum} (the policy's minimum instalment)`,
      };
    }
    total += instalment.amountMinor;
  }
  if (total !== owed) {
    return {
      path: "instalments",
      message: `instalments add up to ${total} but the undisputed balance in ${request.currency} is ${owed}`,
    };
  }
  return null;
}

/**
 * Where a case stands on a new policy version: after the last step it did (found by id), or after the
 * last step whose offset is not later than that step's; -1 before the first.
 */
export function migrateLevel(from: CollectionPolicy, to: CollectionPolicy, level: number): number {
  if (level < 0) return -1;
  const done = from.steps[Math.min(level, from.steps.length - 1)];
  if (!done) return -1;
  const sameId = to.steps.findIndex((step) => step.id === done.id);
  if (sameId !== -1) return sameId;
  let migrated = -1;
  to.steps.forEach((step, index) => {
    if (step.offsetDays <= done.offsetDays) migrated = index;
  });
  return migrated;
}
