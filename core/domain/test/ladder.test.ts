import { describe, expect, it } from "vitest";
import { addDays } from "../src/dates";
import {
  type CaseSnapshot,
  instantOf,
  type LadderPolicy,
  planNext,
  REAL_DAY_MS,
  realTimeScale,
  type TimeScale,
} from "../src/ladder";
import { money } from "../src/money";
import { ladderPolicySchema } from "../src/policy-schema";

const policy: LadderPolicy = {
  key: "test",
  version: 1,
  name: "test",
  steps: [
    { id: "pre-due", offsetDays: -3, action: "email", template: "a" },
    { id: "first", offsetDays: 1, action: "email", template: "b" },
    { id: "second", offsetDays: 8, action: "email", template: "c" },
  ],
};

const today = "2026-03-10";
const scale: TimeScale = { dayMs: 1000, originDate: today, originEpochMs: 1_000_000 };
const owing = (oldestDueDate: string): CaseSnapshot => ({
  openBalances: [money(10_000, "EUR")],
  oldestDueDate,
  openInvoiceCount: 1,
});

describe("planNext", () => {
  it("closes when nothing is owed, whatever the level", () => {
    const paid: CaseSnapshot = { openBalances: [], oldestDueDate: null, openInvoiceCount: 0 };
    for (const level of [-1, 0, 2]) {
      expect(planNext(policy, paid, level, scale.originEpochMs, scale)).toEqual({ kind: "closed", reason: "balance_zero" });
    }
    const zero: CaseSnapshot = { openBalances: [money(0, "EUR")], oldestDueDate: today, openInvoiceCount: 1 };
    expect(planNext(policy, zero, -1, scale.originEpochMs, scale).kind).toBe("closed");
  });

  it("schedules the first step at its offset from the oldest due date", () => {
    const due = addDays(today, 10);
    const plan = planNext(policy, owing(due), -1, scale.originEpochMs, scale);
    expect(plan).toEqual({ kind: "step", stepIndex: 0, step: policy.steps[0], at: scale.originEpochMs + 7 * 1000, skipped: [] });
  });

  it("sends only the latest step already due and records the earlier ones as skipped", () => {
    const plan = planNext(policy, owing(addDays(today, -20)), -1, scale.originEpochMs, scale);
    expect(plan).toMatchObject({ kind: "step", stepIndex: 2, at: scale.originEpochMs, skipped: [0, 1] });
  });

  it("only moves forward", () => {
    const due = addDays(today, -2);
    const plan = planNext(policy, owing(due), 1, scale.originEpochMs, scale);
    expect(plan).toMatchObject({ kind: "step", stepIndex: 2, at: instantOf(due, 8, scale) });
    expect(planNext(policy, owing(due), 2, scale.originEpochMs, scale)).toEqual({ kind: "ladder_complete" });
  });

  it("re-anchors on the oldest unpaid invoice", () => {
    const before = planNext(policy, owing(addDays(today, -2)), 1, scale.originEpochMs, scale);
    const after = planNext(policy, owing(addDays(today, 3)), 1, scale.originEpochMs, scale);
    expect(before.kind === "step" && after.kind === "step" && after.at - before.at).toBe(5 * 1000);
  });

  it("uses whole real days at the send hour in production", () => {
    const real = realTimeScale("2026-03-10", 9);
    expect(real.dayMs).toBe(REAL_DAY_MS);
    expect(new Date(instantOf("2026-03-20", -3, real)).toISOString()).toBe("2026-03-17T09:00:00.000Z");
  });
});

describe("policy schema", () => {
  it("accepts the three-step ladder", () => {
    expect(ladderPolicySchema.parse(policy)).toEqual(policy);
  });

  it("names the exact path of each problem", () => {
    const result = ladderPolicySchema.safeParse({
      ...policy,
      steps: [policy.steps[0], { ...policy.steps[1], offsetDays: -5 }, { ...policy.steps[2], id: "pre-due", action: "fax" }],
    });
    expect(result.success).toBe(false);
    const paths = result.error?.issues.map((issue) => issue.path.join(".")) ?? [];
    expect(paths).toEqual(expect.arrayContaining(["steps.2.action"]));
    const refined = ladderPolicySchema.safeParse({ ...policy, steps: [policy.steps[0], { ...policy.steps[1], offsetDays: -5 }] });
    expect(refined.error?.issues.map((issue) => [issue.path.join("."), issue.message])).toEqual([
      ["steps.1.offsetDays", "must be later than the previous step (-3)"],
    ]);
  });
});

describe("snapshotOf", () => {
  it("keeps invoices with a balance, totals per currency in code order, anchors on the oldest due date", async () => {
    const { snapshotOf } = await import("../src/ladder");
    expect(
      snapshotOf([
        { currency: "USD", balanceMinor: 500, dueDate: "2026-03-01" },
        { currency: "EUR", balanceMinor: 100, dueDate: "2026-02-10" },
        { currency: "EUR", balanceMinor: 250, dueDate: "2026-02-20" },
        { currency: "GBP", balanceMinor: 0, dueDate: "2026-01-01" },
      ]),
    ).toEqual({
      openBalances: [money(350, "EUR"), money(500, "USD")],
      oldestDueDate: "2026-02-10",
      openInvoiceCount: 3,
    });
    expect(snapshotOf([])).toEqual({ openBalances: [], oldestDueDate: null, openInvoiceCount: 0 });
  });
});
