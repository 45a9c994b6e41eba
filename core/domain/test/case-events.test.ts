import { describe, expect, it } from "vitest";
import { applyEvent, type CaseEvent } from "../src/collection/case-events";
import type { CaseContact, CaseState, PaymentPlan, PromiseToPay } from "../src/collection/case-state";
import { contactAllowedFrom, plan } from "../src/collection/planner";
import { CONTACT_CHANNELS } from "../src/collection/policy";
import { applyAll, caseOf, DAY, dispute, invoice, ladder, on, policyOf, scale } from "./collection-fixtures";

const DUE = "2026-03-10";
const base = caseOf([invoice("a", DUE, 10_000), invoice("b", "2026-03-20", 5_000)], { level: 1, lastStepAt: on(DUE, 1) });
const apply = (event: CaseEvent, state: CaseState = base, policy = ladder) => applyEvent(state, event, policy);
const stepDone = (stepIndex: number, patch: Partial<Extract<CaseEvent, { type: "step_done" }>> = {}): CaseEvent => ({
  type: "step_done",
  stepIndex,
  repeat: 0,
  at: on(DUE, 8),
  passedOver: [],
  contact: null,
  awaitingHuman: false,
  ...patch,
});

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object") {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

describe("applyEvent: ledger", () => {
  it("replaces the invoices and keeps disputes on invoices still listed", () => {
    const state = { ...base, disputes: [dispute("d1", "a", 1_000), dispute("d2", "b", 500)] };
    const next = apply(
      { type: "ledger_changed", invoices: [invoice("a", DUE, 7_000), invoice("b", "2026-03-20", 5_000)] },
      state,
    );
    expect(next.invoices.map((i) => [i.id, i.balanceMinor])).toEqual([
      ["a", 7_000],
      ["b", 5_000],
    ]);
    expect(next.disputes.map((d) => d.id)).toEqual(["d1", "d2"]);
    expect(next.level).toBe(1);
  });

  it("drops a dispute on an invoice that left the ledger (paid, credited, voided)", () => {
    const state = { ...base, disputes: [dispute("d1", "a", 1_000), dispute("d2", "b", 500)] };
    const next = apply({ type: "ledger_changed", invoices: [invoice("b", "2026-03-20", 5_000)] }, state);
    expect(next.disputes.map((d) => d.id)).toEqual(["d2"]);
  });

  it("drops an upheld dispute once the ledger shows its credit, not before", () => {
    const held = dispute("d1", "a", 1_000, { creditedWhenBalanceAtMost: 9_000 });
    const state = { ...base, disputes: [held] };
    const invoicesWith = (balanceMinor: number) => [invoice("a", DUE, balanceMinor), invoice("b", "2026-03-20", 5_000)];
    expect(apply({ type: "ledger_changed", invoices: invoicesWith(9_001) }, state).disputes).toEqual([held]);
    expect(apply({ type: "ledger_changed", invoices: invoicesWith(9_000) }, state).disputes).toEqual([]);
    expect(apply({ type: "ledger_changed", invoices: invoicesWith(2_000) }, state).disputes).toEqual([]);
  });
});

describe("applyEvent: steps and contacts", () => {
  it("step_done raises the level, stamps lastStepAt, clears resumeNotBefore and records the contact", () => {
    const contact: CaseContact = { channel: "email", at: on(DUE, 8), stepId: "second" };
    const next = apply(stepDone(2, { contact }), { ...base, resumeNotBefore: on(DUE, 5) });
    expect(next).toMatchObject({ level: 2, lastStepAt: on(DUE, 8), resumeNotBefore: null, repeatsDone: 0, awaitingHuman: false });
    expect(next.contacts).toEqual([contact]);
  });

  it("step_done never lowers the level and leaves contacts alone without a contact", () => {
    const next = apply(stepDone(0), { ...base, level: 3 });
    expect(next.level).toBe(3);
    expect(next.contacts).toBe(base.contacts);
  });

  it("step_done counts repeats of the last step only", () => {
    expect(apply(stepDone(4, { repeat: 2 }), { ...base, level: 4, repeatsDone: 1 }).repeatsDone).toBe(2);
    expect(apply(stepDone(4, { repeat: 0 }), { ...base, level: 3, repeatsDone: 0 }).repeatsDone).toBe(0);
    expect(apply(stepDone(2, { repeat: 3 })).repeatsDone).toBe(0);
  });

  it("step_done hands the case to a person when the step says so, and never takes it back", () => {
    expect(apply(stepDone(2, { awaitingHuman: true })).awaitingHuman).toBe(true);
    expect(apply(stepDone(2), { ...base, awaitingHuman: true }).awaitingHuman).toBe(true);
  });

  it("contact_made appends a contact outside the ladder", () => {
    const contact: CaseContact = { channel: "phone", at: on(DUE, 3), stepId: "manual" };
    expect(apply({ type: "contact_made", contact }).contacts).toEqual([contact]);
  });

  it("trims contacts to what the guards need, and the guards decide exactly as with the full history", () => {
    const policy = policyOf({
      ...ladder,
      guards: { businessDaysOnly: false, minGapDays: 2, minGapDaysPerChannel: { sms: 9, letter: 12 }, maxContactsPer30Days: 3 },
    });
    const channels = [
      "sms",
      "email",
      "email",
      "letter",
      "phone",
      "email",
      "email",
      "phone",
      "email",
      "email",
      "email",
      "phone",
    ] as const;
    let state = base;
    const full: CaseContact[] = [];
    channels.forEach((channel, index) => {
      const contact: CaseContact = { channel, at: on(DUE, index * 2), stepId: `s${index}` };
      full.push(contact);
      state = applyEvent(state, { type: "contact_made", contact }, policy);
      for (const probe of CONTACT_CHANNELS) {
        expect(contactAllowedFrom(probe, state, policy, scale)).toBe(
          contactAllowedFrom(probe, { ...state, contacts: full }, policy, scale),
        );
      }
    });
    // The last 3, plus the last of each channel that is older: sms (first) and letter.
    expect(state.contacts.map((c) => c.stepId)).toEqual(["s0", "s3", "s9", "s10", "s11"]);
    expect(state.contacts.length).toBeLessThanOrEqual(3 + CONTACT_CHANNELS.length);
  });
});

describe("applyEvent: pause, people, overrides", () => {
  it("deferred holds the next action until its instant, never earlier than a later resume point", () => {
    expect(apply({ type: "deferred", until: on(DUE, 3) }).resumeNotBefore).toBe(on(DUE, 3));
    expect(apply({ type: "deferred", until: on(DUE, 3) }, { ...base, resumeNotBefore: on(DUE, 5) }).resumeNotBefore).toBe(
      on(DUE, 5),
    );
  });

  it("paused / resumed / human_done", () => {
    const paused = apply({ type: "paused" });
    expect(paused.paused).toBe(true);
    expect(apply({ type: "resumed", at: on(DUE, 4) }, paused)).toMatchObject({ paused: false, resumeNotBefore: on(DUE, 4) });
    expect(apply({ type: "human_done", at: on(DUE, 5) }, { ...base, awaitingHuman: true })).toMatchObject({
      awaitingHuman: false,
      resumeNotBefore: on(DUE, 5),
    });
  });

  it("overrides_changed replaces the overrides, segments_changed the segments only", () => {
    const overrides = { optOuts: ["sms" as const], doNotChaseBefore: "2026-05-01" };
    expect(
      apply({ type: "overrides_changed", overrides }, { ...base, overrides: { excludedInvoiceIds: ["a"] } }).overrides,
    ).toEqual(overrides);
    expect(apply({ type: "segments_changed", segments: ["vip"] }).debtor).toEqual({
      segments: ["vip"],
      kind: "b2b",
      country: "FR",
    });
  });
});

describe("applyEvent: disputes", () => {
  const opened: CaseEvent = {
    type: "dispute_opened",
    dispute: { id: "d1", invoiceId: "a", amountMinor: 2_000, currency: "EUR", reason: "not_as_agreed", openedAt: on(DUE, 2) },
  };

  it("dispute_opened records the level it opened at, with no mediator yet; reopening the same id replaces it", () => {
    const next = apply(opened);
    expect(next.disputes).toEqual([
      {
        id: "d1",
        invoiceId: "a",
        amountMinor: 2_000,
        currency: "EUR",
        reason: "not_as_agreed",
        openedAt: on(DUE, 2),
        mediator: null,
        slaAt: null,
        mediatorRemindersSent: 0,
        levelAtOpening: 1,
      },
    ]);
    const again = apply({ ...opened, dispute: { ...opened.dispute, amountMinor: 3_000 } } as CaseEvent, next);
    expect(again.disputes.map((d) => [d.id, d.amountMinor])).toEqual([["d1", 3_000]]);
  });

  it("mediator_assigned sets the SLA in policy days of the event's day length; mediator_reminded counts", () => {
    const state = { ...base, disputes: [dispute("d1", "a", 1_000, { mediatorRemindersSent: 5 }), dispute("d2", "b", 1_000)] };
    const mediator = { kind: "external" as const, name: "Médiateur", email: "m@example.org" };
    const assigned = apply({ type: "mediator_assigned", disputeId: "d1", mediator, at: on(DUE, 3), dayMs: DAY }, state);
    expect(assigned.disputes[0]).toMatchObject({ mediator, slaAt: on(DUE, 3) + 14 * DAY, mediatorRemindersSent: 0 });
    expect(assigned.disputes[1]).toBe(state.disputes[1]);
    const fast = apply({ type: "mediator_assigned", disputeId: "d1", mediator, at: 1_000, dayMs: 10 }, state);
    expect(fast.disputes[0]?.slaAt).toBe(1_000 + 14 * 10);
    const reminded = apply(
      { type: "mediator_reminded", disputeId: "d1" },
      apply({ type: "mediator_reminded", disputeId: "d1" }, assigned),
    );
    expect(reminded.disputes.map((d) => d.mediatorRemindersSent)).toEqual([2, 0]);
  });

  it("dispute_resolved without anything upheld removes the dispute and resumes where the ladder stood", () => {
    const state = { ...base, level: 2, disputes: [dispute("d1", "a", 1_000), dispute("d2", "b", 500)] };
    for (const outcome of ["rejected", "withdrawn"] as const) {
      const next = apply({ type: "dispute_resolved", disputeId: "d1", outcome, upheldMinor: 0, at: on(DUE, 9) }, state);
      expect(next).toMatchObject({ level: 2, resumeNotBefore: on(DUE, 9), awaitingHuman: false });
      expect(next.disputes.map((d) => d.id)).toEqual(["d2"]);
    }
  });

  it("dispute_resolved upheld (in full or in part) keeps the upheld part out of the chase until it is credited", () => {
    const mediator = { kind: "user" as const, userId: "u", name: "Ana" };
    const state = { ...base, level: 2, disputes: [dispute("d1", "a", 1_000, { mediator, slaAt: on(DUE, 20) })] };
    const partly = apply(
      { type: "dispute_resolved", disputeId: "d1", outcome: "partly_upheld", upheldMinor: 400, at: on(DUE, 9) },
      state,
    );
    expect(partly.resumeNotBefore).toBe(on(DUE, 9));
    expect(partly.disputes).toEqual([
      { ...state.disputes[0], amountMinor: 400, mediator: null, slaAt: null, creditedWhenBalanceAtMost: 9_600 },
    ]);
    // The chase leaves the upheld 400 out, and no mediation decision remains.
    expect(plan(partly, ladder, on(DUE, 9), scale)).toMatchObject({
      kind: "step",
      chase: { invoices: [{ id: "a", amountMinor: 9_600 }, { id: "b" }] },
    });
    const upheld = apply(
      { type: "dispute_resolved", disputeId: "d1", outcome: "upheld", upheldMinor: 5_000, at: on(DUE, 9) },
      state,
    );
    expect(upheld.disputes[0]).toMatchObject({ amountMinor: 1_000, creditedWhenBalanceAtMost: 9_000 });
  });

  it("dispute_resolved escalated closes the dispute and hands the case to a person (no resume point: they decide)", () => {
    const state = { ...base, level: 2, disputes: [dispute("d1", "a", 1_000), dispute("d2", "b", 500)] };
    const escalated = apply(
      { type: "dispute_resolved", disputeId: "d1", outcome: "escalated", upheldMinor: 0, at: on(DUE, 9) },
      state,
    );
    expect(escalated).toMatchObject({ level: 2, awaitingHuman: true, resumeNotBefore: null });
    expect(escalated.disputes.map((d) => d.id)).toEqual(["d2"]);
  });

  it("dispute_resolved for an unknown dispute changes nothing", () => {
    expect(apply({ type: "dispute_resolved", disputeId: "nope", outcome: "rejected", upheldMinor: 0, at: 1 })).toBe(base);
  });

  it("mediation_overdue ends the SLA clock: the dispute stays open, with no more mediator decisions", () => {
    const mediator = { kind: "user" as const, userId: "u", name: "Ana" };
    const state = {
      ...base,
      level: 4,
      repeatsDone: 2,
      disputes: [dispute("d1", "a", 1_000, { mediator, slaAt: on(DUE, 20), mediatorRemindersSent: 4 })],
    };
    expect(plan(state, ladder, on(DUE, 20), scale)).toEqual({ kind: "mediation_overdue", at: on(DUE, 20), disputeId: "d1" });
    const next = apply({ type: "mediation_overdue", disputeId: "d1" }, state);
    expect(next.disputes).toEqual([{ ...state.disputes[0], slaAt: null }]);
    expect(plan(next, ladder, on(DUE, 20), scale)).toEqual({ kind: "idle", reason: "ladder_complete" });
  });
});

describe("applyEvent: promises and plans", () => {
  const promise: PromiseToPay = {
    id: "p",
    promisedDate: "2026-04-01",
    amountMinor: 5_000,
    currency: "EUR",
    baseline: { a: 10_000 },
    graceDays: 2,
  };
  const paymentPlan: PaymentPlan = {
    id: "pp",
    currency: "EUR",
    instalments: [
      { dueDate: "2026-04-01", amountMinor: 7_500 },
      { dueDate: "2026-05-01", amountMinor: 7_500 },
    ],
    baseline: { a: 10_000, b: 5_000 },
    graceDays: 3,
    reminderDaysBefore: 3,
    remindersSent: 0,
  };

  it("promise_made / promise_kept", () => {
    const made = apply({ type: "promise_made", promise });
    expect(made.promise).toBe(promise);
    expect(apply({ type: "promise_kept", at: on(DUE, 20) }, made)).toMatchObject({
      promise: null,
      level: 1,
      resumeNotBefore: on(DUE, 20),
    });
  });

  it("promise_broken advances the level by one, capped at the last step", () => {
    const made = apply({ type: "promise_made", promise });
    expect(apply({ type: "promise_broken", at: on(DUE, 25) }, made)).toMatchObject({
      promise: null,
      level: 2,
      resumeNotBefore: on(DUE, 25),
    });
    expect(apply({ type: "promise_broken", at: 0 }, { ...made, level: -1 }).level).toBe(0);
    expect(apply({ type: "promise_broken", at: 0 }, { ...made, level: 3 }).level).toBe(4);
    expect(apply({ type: "promise_broken", at: 0 }, { ...made, level: 4 }).level).toBe(4);
  });

  it("plan_agreed replaces a promise; instalment_reminded only moves forward", () => {
    const agreed = apply({ type: "plan_agreed", plan: paymentPlan }, apply({ type: "promise_made", promise }));
    expect(agreed).toMatchObject({ plan: paymentPlan, promise: null });
    const reminded = apply({ type: "instalment_reminded", instalment: 1 }, agreed);
    expect(reminded.plan?.remindersSent).toBe(2);
    expect(apply({ type: "instalment_reminded", instalment: 0 }, reminded).plan?.remindersSent).toBe(2);
    expect(apply({ type: "instalment_reminded", instalment: 0 })).toBe(base);
  });

  it("plan_completed resets the ladder to -1; plan_broken keeps the level and resumes from its instant", () => {
    const agreed = apply(
      { type: "plan_agreed", plan: paymentPlan },
      { ...base, level: 3, repeatsDone: 1, lastStepAt: on(DUE, 15) },
    );
    expect(apply({ type: "plan_completed" }, agreed)).toMatchObject({ plan: null, level: -1, repeatsDone: 0, lastStepAt: null });
    expect(apply({ type: "plan_broken", at: on("2026-04-04") }, agreed)).toMatchObject({
      plan: null,
      level: 3,
      repeatsDone: 1,
      resumeNotBefore: on("2026-04-04"),
    });
  });
});

describe("applyEvent: purity", () => {
  it("never mutates the state it is given", () => {
    const frozen = deepFreeze({
      ...base,
      disputes: [dispute("d1", "a", 1_000)],
      plan: {
        id: "pp",
        currency: "EUR",
        instalments: [{ dueDate: "2026-04-01", amountMinor: 1 }],
        baseline: { a: 1 },
        graceDays: 0,
        reminderDaysBefore: 0,
        remindersSent: 0,
      },
    });
    const copy = structuredClone(frozen);
    const events: CaseEvent[] = [
      stepDone(2, { contact: { channel: "email", at: 1, stepId: "x" } }),
      { type: "contact_made", contact: { channel: "sms", at: 2, stepId: "y" } },
      { type: "mediator_reminded", disputeId: "d1" },
      { type: "instalment_reminded", instalment: 0 },
      { type: "ledger_changed", invoices: [] },
      { type: "plan_completed" },
    ];
    for (const event of events) applyEvent(frozen, event, ladder);
    expect(applyAll(frozen, events, ladder).level).toBe(-1);
    expect(frozen).toEqual(copy);
  });
});
