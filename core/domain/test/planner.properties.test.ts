/**
 * Invariants of the planner and of applyEvent over random (schema-valid) policies, random cases and random
 * event sequences. A failure prints the shrunk counterexample and the seed to replay it.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { applyEvent, type CaseEvent } from "../src/collection/case-events";
import {
  type CaseContact,
  type CaseInvoice,
  type CaseState,
  initialCaseState,
  type Mediator,
  type OpenDispute,
} from "../src/collection/case-state";
import { contactAllowedFrom, type Decision, plan } from "../src/collection/planner";
import {
  CONTACT_CHANNELS,
  type CollectionPolicy,
  type ContactChannel,
  CUSTOMER_KINDS,
  contactChannelOf,
  STEP_ACTIONS,
} from "../src/collection/policy";
import { collectionPolicySchema } from "../src/collection/policy-schema";
import { addDays } from "../src/dates";
import { instantOf, REAL_DAY_MS, type TimeScale } from "../src/ladder";
import { contactsInWindow } from "./collection-fixtures";

const RUNS = { numRuns: 300 };
const ORIGIN = "2026-01-01";
const SCALES: readonly TimeScale[] = [
  { dayMs: REAL_DAY_MS, originDate: ORIGIN, originEpochMs: Date.parse(`${ORIGIN}T09:00:00Z`) },
  { dayMs: 1_000, originDate: ORIGIN, originEpochMs: 1_000_000 },
];
const CURRENCIES = ["EUR", "USD"] as const;
const SEGMENTS = ["vip", "new", "repeat-late"] as const;
const COUNTRIES = ["FR", "DE", "GB"] as const;

/** `arb` one time in `oneIn`, `nil` otherwise (fc.option's `freq` is the other way round: nil one time in freq). */
function sometimes<T, N extends null | undefined>(arb: fc.Arbitrary<T>, oneIn: number, nil: N): fc.Arbitrary<T | N> {
  return fc.oneof({ weight: oneIn - 1, arbitrary: fc.constant(nil) }, { weight: 1, arbitrary: arb });
}

// ---------------------------------------------------------------------------------------------------------
// Policies: plain objects run through the schema, so every generated policy is one an author could write.

const bandArb = fc
  .record({
    currency: fc.constantFrom(...CURRENCIES),
    a: fc.option(fc.integer({ min: 0, max: 60_000 }), { nil: undefined }),
    b: fc.option(fc.integer({ min: 0, max: 60_000 }), { nil: undefined }),
  })
  .map(({ currency, a, b }) => ({
    currency,
    ...(a !== undefined ? { minMinor: b === undefined ? a : Math.min(a, b) } : {}),
    ...(b !== undefined ? { maxMinor: a === undefined ? b : Math.max(a, b) } : {}),
  }));

const conditionsArb = fc.record(
  {
    amountBands: fc.array(bandArb, { minLength: 1, maxLength: 2 }),
    segmentsAny: fc.subarray([...SEGMENTS], { minLength: 1 }),
    segmentsNone: fc.subarray([...SEGMENTS], { minLength: 1 }),
    customerKinds: fc.subarray([...CUSTOMER_KINDS], { minLength: 1 }),
    jurisdictions: fc.subarray([...COUNTRIES], { minLength: 1 }),
  },
  { requiredKeys: [] },
);

const stepSpecArb = fc.record({
  offsetDays: fc.integer({ min: -10, max: 90 }),
  action: fc.constantFrom(...STEP_ACTIONS),
  when: sometimes(conditionsArb, 4, undefined),
});

const policyArb: fc.Arbitrary<CollectionPolicy> = fc
  .record({
    steps: fc.array(stepSpecArb, { minLength: 1, maxLength: 8 }),
    repeat: fc.option(fc.record({ everyDays: fc.integer({ min: 1, max: 14 }), times: fc.integer({ min: 1, max: 4 }) }), {
      nil: undefined,
    }),
    guards: fc.record({
      businessDaysOnly: fc.boolean(),
      minGapDays: fc.integer({ min: 0, max: 10 }),
      minGapDaysPerChannel: fc.option(
        fc.record(
          Object.fromEntries(CONTACT_CHANNELS.map((channel) => [channel, fc.integer({ min: 0, max: 20 })])) as Record<
            ContactChannel,
            fc.Arbitrary<number>
          >,
          { requiredKeys: [] },
        ),
        { nil: undefined },
      ),
      maxContactsPer30Days: fc.integer({ min: 1, max: 10 }),
    }),
    disputes: fc.record({
      chaseUndisputed: fc.boolean(),
      mediationSlaDays: fc.integer({ min: 1, max: 30 }),
      mediatorReminderEveryDays: fc.integer({ min: 1, max: 10 }),
    }),
  })
  .map(({ steps, repeat, guards, disputes }) => {
    const offsets = steps.map((step) => step.offsetDays).sort((a, b) => a - b);
    return collectionPolicySchema.parse({
      key: "random",
      name: "Random policy",
      guards,
      disputes,
      steps: steps.map((step, index) => ({
        id: `s${index}`,
        offsetDays: offsets[index],
        action: step.action,
        template: `t/s${index}`,
        ...(step.when ? { when: step.when } : {}),
        ...(repeat && index === steps.length - 1 ? { repeat } : {}),
      })),
    });
  });

// ---------------------------------------------------------------------------------------------------------
// Cases: generated in policy days and scaled once the time scale is known.

const invoiceSpecArb = fc.record({
  currency: fc.nat(1),
  balance: fc.oneof(
    { weight: 6, arbitrary: fc.integer({ min: 1, max: 50_000 }) },
    { weight: 1, arbitrary: fc.constant(0) },
    { weight: 1, arbitrary: fc.integer({ min: -5_000, max: -1 }) },
  ),
  dueDay: fc.integer({ min: -120, max: 150 }),
});

const disputeSpecArb = fc.record({
  invoice: fc.nat(5),
  amount: fc.integer({ min: 1, max: 60_000 }),
  mediator: sometimes(fc.record({ assignedDay: fc.integer({ min: -40, max: 200 }), remindersSent: fc.nat(8) }), 3, undefined),
  upheldCredit: sometimes(fc.nat(50_000), 6, undefined),
});

type DisputeSpec = typeof disputeSpecArb extends fc.Arbitrary<infer T> ? T : never;

/** A fraction of a day, in thousandths. */
const permille = fc.nat(999);

const caseSpecArb = fc.record({
  scale: fc.constantFrom(...SCALES),
  nowDay: fc.integer({ min: -30, max: 220 }),
  nowPermille: permille,
  currencies: fc.constantFrom<readonly string[]>(["EUR"], ["USD"], ["EUR", "USD"]),
  invoices: fc.array(invoiceSpecArb, { minLength: 1, maxLength: 6 }),
  disputes: fc.oneof(
    { weight: 1, arbitrary: fc.constant<DisputeSpec[]>([]) },
    { weight: 1, arbitrary: fc.array(disputeSpecArb, { maxLength: 3 }) },
  ),
  contactsAgo: fc.array(fc.record({ channel: fc.constantFrom(...CONTACT_CHANNELS), agoPermille: fc.nat(90_000) }), {
    maxLength: 12,
  }),
  level: fc.integer({ min: -1, max: 7 }),
  repeatsDone: fc.nat(4),
  lastStepAgoPermille: fc.option(fc.nat(60_000), { nil: null }),
  paused: fc.oneof({ weight: 9, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
  awaitingHuman: fc.oneof({ weight: 9, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
  resumeInPermille: sometimes(fc.integer({ min: -20_000, max: 20_000 }), 4, null),
  optOuts: fc.oneof(
    { weight: 3, arbitrary: fc.constant<ContactChannel[]>([]) },
    { weight: 1, arbitrary: fc.subarray([...CONTACT_CHANNELS]) },
  ),
  doNotChaseBeforeDay: sometimes(fc.integer({ min: -30, max: 220 }), 5, undefined),
  excluded: fc.oneof(
    { weight: 3, arbitrary: fc.constant<number[]>([]) },
    { weight: 1, arbitrary: fc.subarray([0, 1, 2, 3, 4, 5]) },
  ),
  segments: fc.subarray([...SEGMENTS]),
  kind: fc.option(fc.constantFrom(...CUSTOMER_KINDS), { nil: undefined }),
  country: fc.option(fc.constantFrom(...COUNTRIES), { nil: undefined }),
  promise: sometimes(
    fc.record({
      promisedDay: fc.integer({ min: -30, max: 220 }),
      amount: fc.integer({ min: 1, max: 30_000 }),
      graceDays: fc.nat(5),
    }),
    8,
    null,
  ),
  plan: sometimes(
    fc.record({
      firstDay: fc.integer({ min: -30, max: 220 }),
      gaps: fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 4 }),
      amount: fc.integer({ min: 1, max: 20_000 }),
      graceDays: fc.nat(5),
      reminderDaysBefore: fc.nat(5),
      remindersSent: fc.nat(4),
    }),
    8,
    null,
  ),
});

type CaseSpec = typeof caseSpecArb extends fc.Arbitrary<infer T> ? T : never;

interface Scenario {
  readonly policy: CollectionPolicy;
  readonly state: CaseState;
  readonly now: number;
  readonly scale: TimeScale;
}

const dateOf = (day: number) => addDays(ORIGIN, day);

function buildCase(spec: CaseSpec, policy: CollectionPolicy): Scenario {
  const { scale } = spec;
  const ms = (permilleOfDays: number) => Math.round((permilleOfDays * scale.dayMs) / 1000);
  const now = scale.originEpochMs + spec.nowDay * scale.dayMs + ms(spec.nowPermille);
  const invoices: CaseInvoice[] = spec.invoices.map((invoice, index) => ({
    id: `i${index}`,
    number: `F-${index}`,
    currency: spec.currencies[invoice.currency % spec.currencies.length] as string,
    balanceMinor: invoice.balance,
    dueDate: dateOf(invoice.dueDay),
  }));
  const disputes: OpenDispute[] = spec.disputes.map((d, index) => {
    const target = invoices[d.invoice % invoices.length] as CaseInvoice;
    const mediator: Mediator | null = d.mediator ? { kind: "user", userId: `u${index}`, name: "Mediator" } : null;
    const slaAt = d.mediator
      ? scale.originEpochMs + (d.mediator.assignedDay + policy.disputes.mediationSlaDays) * scale.dayMs
      : null;
    return {
      id: `d${index}`,
      invoiceId: target.id,
      amountMinor: d.amount,
      currency: target.currency,
      reason: "other",
      openedAt: now - scale.dayMs,
      mediator,
      slaAt,
      mediatorRemindersSent: d.mediator?.remindersSent ?? 0,
      levelAtOpening: -1,
      ...(d.upheldCredit !== undefined ? { creditedWhenBalanceAtMost: d.upheldCredit } : {}),
    };
  });
  const contacts: CaseContact[] = spec.contactsAgo
    .map(({ channel, agoPermille }, index) => ({ channel, at: now - ms(agoPermille), stepId: `c${index}` }))
    .sort((a, b) => a.at - b.at);
  const covered = invoices.slice(0, 2);
  const paymentPlan = spec.plan;
  const baseline = Object.fromEntries(covered.map((invoice) => [invoice.id, Math.max(invoice.balanceMinor, 0) + 2_000]));
  const state: CaseState = {
    invoices,
    debtor: {
      segments: spec.segments,
      ...(spec.kind ? { kind: spec.kind } : {}),
      ...(spec.country ? { country: spec.country } : {}),
    },
    overrides: {
      optOuts: spec.optOuts,
      excludedInvoiceIds: spec.excluded.map((index) => `i${index}`),
      ...(spec.doNotChaseBeforeDay !== undefined ? { doNotChaseBefore: dateOf(spec.doNotChaseBeforeDay) } : {}),
    },
    level: Math.min(spec.level, policy.steps.length - 1),
    repeatsDone: spec.repeatsDone,
    lastStepAt: spec.lastStepAgoPermille === null ? null : now - ms(spec.lastStepAgoPermille),
    contacts,
    paused: spec.paused,
    awaitingHuman: spec.awaitingHuman,
    resumeNotBefore: spec.resumeInPermille === null ? null : now + ms(spec.resumeInPermille),
    disputes,
    promise: spec.promise && {
      id: "p",
      promisedDate: dateOf(spec.promise.promisedDay),
      amountMinor: spec.promise.amount,
      currency: invoices[0]?.currency ?? "EUR",
      baseline,
      graceDays: spec.promise.graceDays,
    },
    plan: paymentPlan && {
      id: "pp",
      currency: invoices[0]?.currency ?? "EUR",
      instalments: paymentPlan.gaps.map((_, index) => ({
        dueDate: dateOf(paymentPlan.firstDay + paymentPlan.gaps.slice(0, index).reduce((sum, gap) => sum + gap, 0)),
        amountMinor: paymentPlan.amount,
      })),
      baseline,
      graceDays: paymentPlan.graceDays,
      reminderDaysBefore: paymentPlan.reminderDaysBefore,
      remindersSent: paymentPlan.remindersSent,
    },
  };
  return { policy, state, now, scale };
}

const scenarioArb: fc.Arbitrary<Scenario> = fc.tuple(policyArb, caseSpecArb).map(([policy, spec]) => buildCase(spec, policy));

// ---------------------------------------------------------------------------------------------------------
// An independent oracle of what may be chased.

function chaseableOracle(state: CaseState, policy: CollectionPolicy): Map<string, number> {
  const chaseable = new Map<string, number>();
  if (state.disputes.length > 0 && !policy.disputes.chaseUndisputed) return chaseable;
  const excluded = new Set(state.overrides.excludedInvoiceIds ?? []);
  for (const invoice of state.invoices) {
    if (excluded.has(invoice.id)) continue;
    const disputed = state.disputes.filter((d) => d.invoiceId === invoice.id).reduce((sum, d) => sum + d.amountMinor, 0);
    if (invoice.balanceMinor - disputed > 0) chaseable.set(invoice.id, invoice.balanceMinor - disputed);
  }
  return chaseable;
}

type StepDecision = Extract<Decision, { kind: "step" }>;
const stepOf = (decision: Decision): StepDecision | null => (decision.kind === "step" ? decision : null);

describe("planner properties", () => {
  it("(a) never a step when nothing is chaseable; chased amounts are positive and add up to the balances", () => {
    fc.assert(
      fc.property(scenarioArb, ({ policy, state, now, scale }) => {
        const step = stepOf(plan(state, policy, now, scale));
        const oracle = chaseableOracle(state, policy);
        if (oracle.size === 0) expect(step).toBeNull();
        if (!step) return;
        expect(step.chase.invoices.length).toBeGreaterThan(0);
        const sums = new Map<string, number>();
        for (const line of step.chase.invoices) {
          expect(line.amountMinor).toBeGreaterThan(0);
          sums.set(line.currency, (sums.get(line.currency) ?? 0) + line.amountMinor);
        }
        expect(step.chase.balances.map((b) => b.currency)).toEqual([...sums.keys()].sort());
        for (const balance of step.chase.balances) expect(balance.amountMinor).toBe(sums.get(balance.currency));
      }),
      RUNS,
    );
  });

  it("(b) never chases a disputed or excluded amount", () => {
    fc.assert(
      fc.property(scenarioArb, ({ policy, state, now, scale }) => {
        const step = stepOf(plan(state, policy, now, scale));
        if (!step) return;
        const excluded = new Set(state.overrides.excludedInvoiceIds ?? []);
        for (const line of step.chase.invoices) {
          const invoice = state.invoices.find((candidate) => candidate.id === line.id) as CaseInvoice;
          const disputed = state.disputes.filter((d) => d.invoiceId === line.id).reduce((sum, d) => sum + d.amountMinor, 0);
          expect(excluded.has(line.id)).toBe(false);
          expect(line.currency).toBe(invoice.currency);
          expect(line.amountMinor).toBeLessThanOrEqual(invoice.balanceMinor - disputed);
        }
        expect(new Map(step.chase.invoices.map((line) => [line.id, line.amountMinor]))).toEqual(chaseableOracle(state, policy));
      }),
      RUNS,
    );
  });

  it("(c) a contact step respects the 30-day cap, minGapDays and the per-channel gap at its time", () => {
    fc.assert(
      fc.property(scenarioArb, ({ policy, state, now, scale }) => {
        const step = stepOf(plan(state, policy, now, scale));
        const channel = step && contactChannelOf(step.step.action);
        if (!step || !channel) return;
        const { minGapDays, minGapDaysPerChannel, maxContactsPer30Days } = policy.guards;
        expect(contactsInWindow(state.contacts, step.at, scale.dayMs)).toBeLessThan(maxContactsPer30Days);
        // Phone calls are people's tasks: outside the cross-channel gap, either way.
        const last = channel === "phone" ? undefined : state.contacts.filter((contact) => contact.channel !== "phone").at(-1);
        if (last) expect(step.at).toBeGreaterThanOrEqual(last.at + minGapDays * scale.dayMs);
        const lastSame = state.contacts.filter((contact) => contact.channel === channel).at(-1);
        const gap = Math.max(minGapDays, minGapDaysPerChannel?.[channel] ?? 0);
        if (lastSame) expect(step.at).toBeGreaterThanOrEqual(lastSame.at + gap * scale.dayMs);
      }),
      RUNS,
    );
  });

  it("(c') first sends respect resumeNotBefore, doNotChaseBefore, opt-outs and the step's conditions", () => {
    fc.assert(
      fc.property(scenarioArb, ({ policy, state, now, scale }) => {
        const step = stepOf(plan(state, policy, now, scale));
        if (!step) return;
        if (state.resumeNotBefore !== null) expect(step.at).toBeGreaterThanOrEqual(state.resumeNotBefore);
        const notBefore = state.overrides.doNotChaseBefore;
        if (notBefore) expect(step.at).toBeGreaterThanOrEqual(instantOf(notBefore, 0, scale));
        const channel = contactChannelOf(step.step.action);
        if (channel) expect(state.overrides.optOuts ?? []).not.toContain(channel);
      }),
      RUNS,
    );
  });

  it("(d) escalation only moves forward: a step is above the level, or a repeat of the last step at the last level", () => {
    fc.assert(
      fc.property(scenarioArb, ({ policy, state, now, scale }) => {
        const step = stepOf(plan(state, policy, now, scale));
        if (!step) return;
        const last = policy.steps.length - 1;
        if (step.repeat === 0) expect(step.stepIndex).toBeGreaterThan(state.level);
        else {
          expect(step.stepIndex).toBe(last);
          expect(state.level).toBe(last);
          expect(step.repeat).toBe(state.repeatsDone + 1);
          expect(step.repeat).toBeLessThanOrEqual(policy.steps[last]?.repeat?.times ?? 0);
        }
        // Passed-over steps lie strictly between the level and the step, in order, once each.
        const passed = step.passedOver.map((entry) => entry.stepIndex);
        expect(passed).toEqual([...new Set(passed)].sort((a, b) => a - b));
        for (const index of passed) {
          expect(index).toBeGreaterThan(state.level);
          expect(index).toBeLessThan(step.stepIndex);
        }
      }),
      RUNS,
    );
  });

  it("(e) a step is never before its offset from the anchor, and the anchor is the oldest chaseable due date", () => {
    fc.assert(
      fc.property(scenarioArb, ({ policy, state, now, scale }) => {
        const step = stepOf(plan(state, policy, now, scale));
        if (!step) return;
        const oracle = chaseableOracle(state, policy);
        const oldest = state.invoices
          .filter((invoice) => oracle.has(invoice.id))
          .map((invoice) => invoice.dueDate)
          .sort()[0];
        expect(step.chase.anchor).toBe(oldest);
        if (step.repeat === 0) expect(step.at).toBeGreaterThanOrEqual(instantOf(step.chase.anchor, step.step.offsetDays, scale));
        else {
          const everyDays = step.step.repeat?.everyDays ?? Number.NaN;
          expect(step.at).toBeGreaterThanOrEqual((state.lastStepAt as number) + everyDays * scale.dayMs);
        }
      }),
      RUNS,
    );
  });

  it("(f) plan() is total, deterministic and pure, and timed decisions are never before now", () => {
    fc.assert(
      fc.property(scenarioArb, ({ policy, state, now, scale }) => {
        const before = structuredClone(state);
        const decision = plan(state, policy, now, scale);
        expect(plan(state, policy, now, scale)).toEqual(decision);
        expect(state).toEqual(before);
        if ("at" in decision) {
          expect(Number.isFinite(decision.at)).toBe(true);
          expect(decision.at).toBeGreaterThanOrEqual(now);
        }
        expect(decision.kind === "closed").toBe(!state.invoices.some((invoice) => invoice.balanceMinor > 0));
        if (decision.kind !== "closed" && state.paused)
          expect(["idle", "mediator_reminder", "mediation_overdue"]).toContain(decision.kind);
      }),
      RUNS,
    );
  });
});

// ---------------------------------------------------------------------------------------------------------
// Events.

const mediatorArb: fc.Arbitrary<Mediator> = fc.constant({ kind: "external", name: "M", email: "m@example.org" });

function eventArb(steps: number): fc.Arbitrary<CaseEvent> {
  const at = fc.integer({ min: 0, max: 400 }).map((day) => SCALES[0]!.originEpochMs + day * REAL_DAY_MS);
  const invoiceId = fc.nat(5).map((index) => `i${index}`);
  const disputeId = fc.nat(3).map((index) => `d${index}`);
  const contact = fc.record({ channel: fc.constantFrom(...CONTACT_CHANNELS), at, stepId: fc.constant("x") });
  return fc.oneof(
    fc.record({
      type: fc.constant("ledger_changed" as const),
      invoices: fc.array(
        fc.record({
          id: invoiceId,
          number: fc.constant("F"),
          currency: fc.constantFrom(...CURRENCIES),
          balanceMinor: fc.integer({ min: 0, max: 50_000 }),
          dueDate: fc.integer({ min: -60, max: 60 }).map(dateOf),
        }),
        { maxLength: 4 },
      ),
    }),
    fc.record({
      type: fc.constant("step_done" as const),
      stepIndex: fc.integer({ min: 0, max: steps - 1 }),
      repeat: fc.nat(3),
      at,
      passedOver: fc.constant([]),
      contact: fc.option(contact, { nil: null }),
      awaitingHuman: fc.boolean(),
    }),
    fc.record({ type: fc.constant("contact_made" as const), contact }),
    fc.record({ type: fc.constant("deferred" as const), until: at }),
    fc.constant({ type: "paused" as const }),
    fc.record({ type: fc.constant("resumed" as const), at }),
    fc.record({ type: fc.constant("human_done" as const), at }),
    fc.record({
      type: fc.constant("overrides_changed" as const),
      overrides: fc.record({ optOuts: fc.subarray([...CONTACT_CHANNELS]) }),
    }),
    fc.record({ type: fc.constant("segments_changed" as const), segments: fc.subarray([...SEGMENTS]) }),
    fc.record({
      type: fc.constant("dispute_opened" as const),
      dispute: fc.record({
        id: disputeId,
        invoiceId,
        amountMinor: fc.integer({ min: 1, max: 20_000 }),
        currency: fc.constant("EUR"),
        reason: fc.constant("other" as const),
        openedAt: at,
      }),
    }),
    fc.record({
      type: fc.constant("mediator_assigned" as const),
      disputeId,
      mediator: mediatorArb,
      at,
      dayMs: fc.constant(REAL_DAY_MS),
    }),
    fc.record({ type: fc.constant("mediator_reminded" as const), disputeId }),
    fc.record({ type: fc.constant("mediation_overdue" as const), disputeId }),
    fc.record({
      type: fc.constant("dispute_resolved" as const),
      disputeId,
      outcome: fc.constantFrom("upheld", "rejected", "partly_upheld", "escalated", "withdrawn"),
      upheldMinor: fc.nat(20_000),
      at,
    }),
    fc.record({
      type: fc.constant("promise_made" as const),
      promise: fc.record({
        id: fc.constant("p"),
        promisedDate: fc.integer({ min: 0, max: 90 }).map(dateOf),
        amountMinor: fc.integer({ min: 1, max: 20_000 }),
        currency: fc.constant("EUR"),
        baseline: fc.constant({ i0: 20_000 }),
        graceDays: fc.nat(5),
      }),
    }),
    fc.record({ type: fc.constant("promise_kept" as const), at }),
    fc.record({ type: fc.constant("promise_broken" as const), at }),
    fc.record({
      type: fc.constant("plan_agreed" as const),
      plan: fc.record({
        id: fc.constant("pp"),
        currency: fc.constant("EUR"),
        instalments: fc.constant([{ dueDate: dateOf(30), amountMinor: 5_000 }]),
        baseline: fc.constant({ i0: 20_000 }),
        graceDays: fc.nat(5),
        reminderDaysBefore: fc.nat(5),
        remindersSent: fc.constant(0),
      }),
    }),
    fc.record({ type: fc.constant("instalment_reminded" as const), instalment: fc.nat(3) }),
    fc.constant({ type: "plan_completed" as const }),
    fc.record({ type: fc.constant("plan_broken" as const), at }),
  );
}

const foldArb = fc.tuple(scenarioArb, fc.integer({ min: 1, max: 60 })).chain(([scenario, length]) =>
  fc.record({
    scenario: fc.constant(scenario),
    events: fc.array(eventArb(scenario.policy.steps.length), { maxLength: length }),
  }),
);

describe("applyEvent properties", () => {
  it("(d) folding any events never lowers the level except plan_completed, which resets it to -1", () => {
    fc.assert(
      fc.property(foldArb, ({ scenario: { policy, state }, events }) => {
        let current = state;
        for (const event of events) {
          const next = applyEvent(current, event, policy);
          if (event.type === "plan_completed") expect(next.level).toBe(-1);
          else expect(next.level).toBeGreaterThanOrEqual(current.level);
          expect(next.level).toBeGreaterThanOrEqual(-1);
          expect(next.level).toBeLessThanOrEqual(policy.steps.length - 1);
          current = next;
        }
      }),
      RUNS,
    );
  });

  it("plan() stays total and its invariants hold after any sequence of events", () => {
    fc.assert(
      fc.property(foldArb, ({ scenario: { policy, state, now, scale }, events }) => {
        const after = events.reduce((current, event) => applyEvent(current, event, policy), state);
        const decision = plan(after, policy, now, scale);
        if ("at" in decision) expect(decision.at).toBeGreaterThanOrEqual(now);
        const step = stepOf(decision);
        if (step) {
          expect(step.stepIndex > after.level || (step.repeat > 0 && step.stepIndex === after.level)).toBe(true);
          for (const line of step.chase.invoices) expect(line.amountMinor).toBeGreaterThan(0);
        }
      }),
      RUNS,
    );
  });

  it("trimmed contacts give the guards exactly the answer the full history gives", () => {
    const historyArb = fc.array(fc.record({ channel: fc.constantFrom(...CONTACT_CHANNELS), gapPermille: fc.nat(20_000) }), {
      maxLength: 40,
    });
    fc.assert(
      fc.property(policyArb, historyArb, (policy, history) => {
        const scale = SCALES[0] as TimeScale;
        let state = initialCaseState([], { segments: [] });
        const full: CaseContact[] = [];
        let at = scale.originEpochMs;
        for (const [index, { channel, gapPermille }] of history.entries()) {
          at += Math.round((gapPermille * scale.dayMs) / 1000);
          const contact: CaseContact = { channel, at, stepId: `c${index}` };
          full.push(contact);
          state = applyEvent(state, { type: "contact_made", contact }, policy);
          expect(state.contacts.length).toBeLessThanOrEqual(policy.guards.maxContactsPer30Days + CONTACT_CHANNELS.length);
        }
        for (const channel of CONTACT_CHANNELS) {
          expect(contactAllowedFrom(channel, state, policy, scale)).toBe(
            contactAllowedFrom(channel, { ...state, contacts: full }, policy, scale),
          );
        }
      }),
      RUNS,
    );
  });
});

// ---------------------------------------------------------------------------------------------------------
// The case driven by its own decisions, as the workflow does: invariants hold over the whole run.

function eventFor(decision: Decision, state: CaseState, at: number): CaseEvent[] {
  switch (decision.kind) {
    case "step": {
      const channel = contactChannelOf(decision.step.action);
      return [
        {
          type: "step_done",
          stepIndex: decision.stepIndex,
          repeat: decision.repeat,
          at,
          passedOver: decision.passedOver,
          contact: channel ? { channel, at, stepId: decision.step.id } : null,
          awaitingHuman: decision.step.action === "wait_for_human",
        },
      ];
    }
    case "promise_kept":
      return [{ type: "promise_kept", at }];
    case "promise_broken":
      return [{ type: "promise_broken", at }];
    case "instalment_reminder":
      return [{ type: "instalment_reminded", instalment: decision.instalment }];
    case "plan_completed":
      return [{ type: "plan_completed" }];
    case "plan_broken":
      return [{ type: "plan_broken", at }];
    case "mediator_reminder":
      return [{ type: "mediator_reminded", disputeId: decision.disputeId }];
    case "mediation_overdue":
      return [{ type: "mediation_overdue", disputeId: decision.disputeId }];
    default:
      return state.paused ? [{ type: "resumed", at }] : [];
  }
}

describe("driven case properties", () => {
  it("a case run by its own decisions never exceeds the cap over its full history, and its level never drops", () => {
    fc.assert(
      fc.property(scenarioArb, ({ policy, state: initial, now: start, scale }) => {
        let state: CaseState = { ...initial, paused: false, awaitingHuman: false };
        let now = start;
        const history: number[] = state.contacts.map((contact) => contact.at);
        for (let turn = 0; turn < 40; turn++) {
          const decision = plan(state, policy, now, scale);
          if (decision.kind === "closed" || decision.kind === "idle") break;
          expect(decision.at).toBeGreaterThanOrEqual(now);
          now = decision.at;
          const events = eventFor(decision, state, now);
          if (decision.kind === "step" && contactChannelOf(decision.step.action)) {
            history.push(now);
            expect(
              contactsInWindow(
                history.map((at) => ({ at })),
                now,
                scale.dayMs,
              ),
            ).toBeLessThanOrEqual(policy.guards.maxContactsPer30Days);
          }
          const next = events.reduce((current, event) => applyEvent(current, event, policy), state);
          if (decision.kind !== "plan_completed") expect(next.level).toBeGreaterThanOrEqual(state.level);
          state = next;
        }
      }),
      { numRuns: 200 },
    );
  });
});
