/**
 * The pure planner: `plan(state, policy, now, scale)` → the one next thing a case does and when.
 * No I/O and no clock: workflow code calls it on every turn. Quiet hours and business days depend on the
 * debtor's time zone and are applied by the sending activity, which may defer a step.
 */
import type { CalendarDate } from "../dates";
import { instantOf, type TimeScale } from "../ladder";
import type { Money } from "../money";
import type { CaseInvoice, CaseState, OpenDispute } from "./case-state";
import { type CollectionPolicy, type Conditions, type ContactChannel, contactChannelOf, type PolicyStep } from "./policy";

const WINDOW_DAYS = 30;

export type IdleReason = "paused" | "awaiting_human" | "all_disputed" | "nothing_chaseable" | "ladder_complete";

export interface PassedOver {
  readonly stepIndex: number;
  readonly reason: "late" | "conditions" | "opted_out";
}

/** What a step chases: the undisputed, non-excluded balance, per invoice and per currency. */
export interface Chase {
  readonly anchor: CalendarDate;
  readonly invoices: readonly { readonly id: string; readonly currency: string; readonly amountMinor: number }[];
  readonly balances: readonly Money[];
}

export type Decision =
  | { readonly kind: "closed"; readonly reason: "balance_zero" }
  | { readonly kind: "idle"; readonly reason: IdleReason }
  | {
      readonly kind: "step";
      readonly at: number;
      readonly stepIndex: number;
      readonly step: PolicyStep;
      /** 0 for the step's first send, n for its n-th repetition. */
      readonly repeat: number;
      /** Steps between the current level and this one that are passed over, and why. */
      readonly passedOver: readonly PassedOver[];
      readonly chase: Chase;
    }
  | { readonly kind: "promise_kept"; readonly at: number }
  | { readonly kind: "promise_broken"; readonly at: number }
  | { readonly kind: "instalment_reminder"; readonly at: number; readonly instalment: number }
  | { readonly kind: "plan_completed"; readonly at: number }
  | { readonly kind: "plan_broken"; readonly at: number; readonly instalment: number }
  | { readonly kind: "mediator_reminder"; readonly at: number; readonly disputeId: string }
  | { readonly kind: "mediation_overdue"; readonly at: number; readonly disputeId: string };

export type TimedDecision = Extract<Decision, { at: number }>;

export function plan(state: CaseState, policy: CollectionPolicy, nowMs: number, scale: TimeScale): Decision {
  if (!state.invoices.some((invoice) => invoice.balanceMinor > 0)) return { kind: "closed", reason: "balance_zero" };
  const candidates: TimedDecision[] = mediationDecisions(state.disputes, policy, scale);
  let idle: IdleReason | null = null;
  if (state.paused) idle = "paused";
  else if (state.awaitingHuman) idle = "awaiting_human";
  else if (state.promise) candidates.push(promiseDecision(state, nowMs, scale));
  else if (state.plan) candidates.push(planDecision(state, nowMs, scale));
  else {
    const ladder = ladderDecision(state, policy, nowMs, scale);
    if (ladder.kind === "idle") idle = ladder.reason;
    else candidates.push(ladder);
  }
  const first = candidates.reduce<TimedDecision | null>((best, next) => (best === null || next.at < best.at ? next : best), null);
  if (first) return { ...first, at: Math.max(first.at, nowMs) };
  return { kind: "idle", reason: idle ?? "ladder_complete" };
}

/** How much of each covered invoice was paid (or credited) since the baseline was taken. */
export function progressSince(baseline: Readonly<Record<string, number>>, invoices: readonly CaseInvoice[]): number {
  const balances = new Map(invoices.map((invoice) => [invoice.id, invoice.balanceMinor]));
  let paid = 0;
  for (const [id, before] of Object.entries(baseline)) paid += Math.max(0, before - (balances.get(id) ?? 0));
  return paid;
}

function promiseDecision(state: CaseState, nowMs: number, scale: TimeScale): TimedDecision {
  const promise = state.promise as NonNullable<CaseState["promise"]>;
  if (progressSince(promise.baseline, state.invoices) >= promise.amountMinor) return { kind: "promise_kept", at: nowMs };
  return { kind: "promise_broken", at: instantOf(promise.promisedDate, promise.graceDays, scale) };
}

function planDecision(state: CaseState, nowMs: number, scale: TimeScale): TimedDecision {
  const plan = state.plan as NonNullable<CaseState["plan"]>;
  const paid = progressSince(plan.baseline, state.invoices);
  let cumulative = 0;
  const next = plan.instalments.findIndex((instalment) => {
    cumulative += instalment.amountMinor;
    return paid < cumulative;
  });
  if (next === -1) return { kind: "plan_completed", at: nowMs };
  const instalment = plan.instalments[next] as (typeof plan.instalments)[number];
  const missedAt = instantOf(instalment.dueDate, plan.graceDays, scale);
  const dueAt = instantOf(instalment.dueDate, 0, scale);
  if (plan.reminderDaysBefore > 0 && plan.remindersSent <= next && dueAt > nowMs) {
    return { kind: "instalment_reminder", at: instantOf(instalment.dueDate, -plan.reminderDaysBefore, scale), instalment: next };
  }
  return { kind: "plan_broken", at: missedAt, instalment: next };
}

function mediationDecisions(disputes: readonly OpenDispute[], policy: CollectionPolicy, scale: TimeScale): TimedDecision[] {
  const { mediationSlaDays, mediatorReminderEveryDays } = policy.disputes;
  return disputes.flatMap((dispute): TimedDecision[] => {
    if (dispute.mediator === null || dispute.slaAt === null || dispute.creditedWhenBalanceAtMost !== undefined) return [];
    const assignedAt = dispute.slaAt - mediationSlaDays * scale.dayMs;
    const reminderAt = assignedAt + (dispute.mediatorRemindersSent + 1) * mediatorReminderEveryDays * scale.dayMs;
    return reminderAt < dispute.slaAt
      ? [{ kind: "mediator_reminder", at: reminderAt, disputeId: dispute.id }]
      : [{ kind: "mediation_overdue", at: dispute.slaAt, disputeId: dispute.id }];
  });
}

/** The undisputed, non-excluded part of the balance; empty when nothing may be chased. */
export function chaseOf(state: CaseState, policy: CollectionPolicy): Chase | null {
  const excluded = new Set(state.overrides.excludedInvoiceIds ?? []);
  const disputed = new Map<string, number>();
  for (const dispute of state.disputes)
    disputed.set(dispute.invoiceId, (disputed.get(dispute.invoiceId) ?? 0) + dispute.amountMinor);
  if (disputed.size > 0 && !policy.disputes.chaseUndisputed) return null;
  const owing = state.invoices
    .filter((invoice) => !excluded.has(invoice.id))
    .map((invoice) => ({ invoice, amountMinor: invoice.balanceMinor - (disputed.get(invoice.id) ?? 0) }))
    .filter(({ amountMinor }) => amountMinor > 0);
  if (owing.length === 0) return null;
  const totals = new Map<string, number>();
  for (const { invoice, amountMinor } of owing) totals.set(invoice.currency, (totals.get(invoice.currency) ?? 0) + amountMinor);
  return {
    anchor: owing.map(({ invoice }) => invoice.dueDate).sort()[0] as CalendarDate,
    invoices: owing.map(({ invoice, amountMinor }) => ({ id: invoice.id, currency: invoice.currency, amountMinor })),
    balances: [...totals]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([currency, amountMinor]) => ({ currency, amountMinor })),
  };
}

export function matches(conditions: Conditions | undefined, state: CaseState, balances: readonly Money[]): boolean {
  if (!conditions) return true;
  const { segments, kind, country } = state.debtor;
  if (conditions.segmentsAny && !conditions.segmentsAny.some((segment) => segments.includes(segment))) return false;
  if (conditions.segmentsNone?.some((segment) => segments.includes(segment))) return false;
  if (conditions.customerKinds && (kind === undefined || !conditions.customerKinds.includes(kind))) return false;
  if (conditions.jurisdictions && (country === undefined || !conditions.jurisdictions.includes(country))) return false;
  if (conditions.amountBands) {
    const inBand = conditions.amountBands.some((band) => {
      const balance = balances.find((money) => money.currency === band.currency);
      if (!balance) return false;
      return (band.minMinor ?? 0) <= balance.amountMinor && balance.amountMinor <= (band.maxMinor ?? Number.MAX_SAFE_INTEGER);
    });
    if (!inBand) return false;
  }
  return true;
}

function ladderDecision(
  state: CaseState,
  policy: CollectionPolicy,
  nowMs: number,
  scale: TimeScale,
): TimedDecision | { kind: "idle"; reason: IdleReason } {
  const chase = chaseOf(state, policy);
  if (!chase) return { kind: "idle", reason: state.disputes.length > 0 ? "all_disputed" : "nothing_chaseable" };
  const optOuts = new Set(state.overrides.optOuts ?? []);
  const passedOver: PassedOver[] = [];
  const eligible: number[] = [];
  for (let index = state.level + 1; index < policy.steps.length; index++) {
    const step = policy.steps[index] as PolicyStep;
    const channel = contactChannelOf(step.action);
    if (!matches(step.when, state, chase.balances)) passedOver.push({ stepIndex: index, reason: "conditions" });
    else if (channel !== null && optOuts.has(channel)) passedOver.push({ stepIndex: index, reason: "opted_out" });
    else eligible.push(index);
  }
  const dueAt = (index: number) => instantOf(chase.anchor, (policy.steps[index] as PolicyStep).offsetDays, scale);
  // A debtor met late gets the step it has reached, not a burst of every earlier one: steps due strictly
  // before the latest due time are passed over; steps sharing that time (an email and a call) all run.
  const due = eligible.filter((index) => dueAt(index) <= nowMs);
  const latestDue = due.length > 0 ? Math.max(...due.map(dueAt)) : null;
  const chosen = latestDue === null ? eligible[0] : due.find((index) => dueAt(index) === latestDue);
  if (latestDue !== null) {
    for (const index of due) if (dueAt(index) < latestDue) passedOver.push({ stepIndex: index, reason: "late" });
  }
  if (chosen !== undefined) {
    const step = policy.steps[chosen] as PolicyStep;
    const passed = passedOver.filter((entry) => entry.stepIndex < chosen).sort((a, b) => a.stepIndex - b.stepIndex);
    return {
      kind: "step",
      at: guarded(dueAt(chosen), step, state, policy, scale),
      stepIndex: chosen,
      step,
      repeat: 0,
      passedOver: passed,
      chase,
    };
  }
  const last = policy.steps.length - 1;
  const lastStep = policy.steps[last] as PolicyStep;
  const lastChannel = contactChannelOf(lastStep.action);
  const repeatable =
    lastStep.repeat !== undefined &&
    matches(lastStep.when, state, chase.balances) &&
    !(lastChannel !== null && optOuts.has(lastChannel));
  if (
    state.level === last &&
    repeatable &&
    lastStep.repeat &&
    state.repeatsDone < lastStep.repeat.times &&
    state.lastStepAt !== null
  ) {
    const at = state.lastStepAt + lastStep.repeat.everyDays * scale.dayMs;
    return {
      kind: "step",
      at: guarded(at, lastStep, state, policy, scale),
      stepIndex: last,
      step: lastStep,
      repeat: state.repeatsDone + 1,
      passedOver: [],
      chase,
    };
  }
  return { kind: "idle", reason: "ladder_complete" };
}

/** The earliest instant at or after `at` that respects resume points, do-not-chase dates, gaps and the cap. */
function guarded(at: number, step: PolicyStep, state: CaseState, policy: CollectionPolicy, scale: TimeScale): number {
  let earliest = at;
  if (state.resumeNotBefore !== null) earliest = Math.max(earliest, state.resumeNotBefore);
  const notBefore = state.overrides.doNotChaseBefore;
  if (notBefore) earliest = Math.max(earliest, instantOf(notBefore, 0, scale));
  const channel = contactChannelOf(step.action);
  if (channel === null) return earliest;
  return Math.max(earliest, contactAllowedFrom(channel, state, policy, scale));
}

/** When the guards next allow a contact through `channel`, given the contacts already made. */
export function contactAllowedFrom(
  channel: ContactChannel,
  state: CaseState,
  policy: CollectionPolicy,
  scale: TimeScale,
): number {
  const { minGapDays, minGapDaysPerChannel, maxContactsPer30Days } = policy.guards;
  const contacts = state.contacts;
  let earliest = Number.NEGATIVE_INFINITY;
  // A phone call is a person's task, not an automated contact: it neither waits for nor delays the
  // cross-channel gap (an email and a call on the same day is the point of such a step), only its own.
  const lastAny = channel === "phone" ? undefined : contacts.filter((contact) => contact.channel !== "phone").at(-1);
  if (lastAny) earliest = Math.max(earliest, lastAny.at + minGapDays * scale.dayMs);
  const sameChannel = contacts.filter((contact) => contact.channel === channel).at(-1);
  if (sameChannel) {
    const gap = Math.max(minGapDays, minGapDaysPerChannel?.[channel] ?? 0);
    earliest = Math.max(earliest, sameChannel.at + gap * scale.dayMs);
  }
  // At most `cap` contacts in any rolling window: the contact `cap` places back must have left it.
  const bound = contacts[contacts.length - maxContactsPer30Days];
  if (bound) earliest = Math.max(earliest, bound.at + WINDOW_DAYS * scale.dayMs);
  return earliest;
}
