/**
 * Planner throughput: `node --import tsx core/domain/bench/planner.ts [cases=100000]`
 *
 * Builds N synthetic cases (1–8 invoices in EUR/USD, disputes, mediators, promises, payment plans, contact
 * histories, opt-outs, exclusions) against a fr-b2b-like policy, then measures on one core (a plain loop on
 * the main thread) how many decisions per second `plan()` makes, side by side with the old ladder's
 * baseline `planNext(snapshotOf(invoices))` (oldest due date + first step after the level). Median of 5
 * timed passes after a warm-up; the two loops alternate so that drift hits both alike.
 */
import type { CaseContact, CaseInvoice, CaseState, OpenDispute } from "../src/collection/case-state";
import { type Decision, plan } from "../src/collection/planner";
import type { CollectionPolicy, ContactChannel } from "../src/collection/policy";
import { collectionPolicySchema } from "../src/collection/policy-schema";
import type { CalendarDate } from "../src/dates";
import { addDays } from "../src/dates";
import { type CaseSnapshot, instantOf, REAL_DAY_MS, realTimeScale, type TimeScale } from "../src/ladder";

const argument = process.argv[2] ?? "100000";
const CASES = Number(argument.replace(/^cases=/, "").replaceAll("_", ""));
if (!Number.isSafeInteger(CASES) || CASES < 1) {
  console.error(`usage: node --import tsx core/domain/bench/planner.ts [cases=100000]  (got "${argument}")`);
  process.exit(2);
}
const RUNS = 5;
const ORIGIN = "2026-01-01";
// ---------------------------------------------------------------------------------------------------------
// The baseline: the three-email starter's planner as it shipped before the collection planner replaced it
// (oldest due date, first step after the level), kept here verbatim so the ratio stays comparable.

interface LadderStep {
  readonly id: string;
  readonly offsetDays: number;
  readonly action: "email";
  readonly template: string;
}

interface LadderPolicy {
  readonly key: string;
  readonly version: number;
  readonly name: string;
  readonly steps: readonly LadderStep[];
}

type Plan =
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
function snapshotOf(
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

function hasBalance(snapshot: CaseSnapshot): boolean {
  return snapshot.openBalances.some((balance) => balance.amountMinor > 0);
}

/**
 * Next thing to do for a case. `level` is the index of the last step done (-1 before the first);
 * escalation only moves forward.
 */
function planNext(policy: LadderPolicy, snapshot: CaseSnapshot, level: number, nowMs: number, scale: TimeScale): Plan {
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

const scale = realTimeScale(ORIGIN);

// The shipped fr-b2b ladder (config/policies/fr-b2b.yaml), inline so the bench depends on nothing outside core/domain.
const policy: CollectionPolicy = collectionPolicySchema.parse({
  key: "fr-b2b",
  name: "France B2B (bench copy)",
  languages: ["fr", "en"],
  guards: { businessDaysOnly: true, quietHours: { start: "20:00", end: "08:00" }, minGapDays: 3, maxContactsPer30Days: 8 },
  disputes: { chaseUndisputed: true, mediationSlaDays: 14, mediatorReminderEveryDays: 3 },
  promises: { graceDays: 2, maxDaysAhead: 60 },
  paymentPlans: { maxInstalments: 6, minInstalmentMinor: { EUR: 5000 }, graceDays: 3, reminderDaysBefore: 3 },
  lateCharges: { recoveryIndemnityMinor: { EUR: 4000 }, interestRateBasisPoints: 1215 },
  steps: [
    { id: "pre-due", offsetDays: -5, action: "email", template: "fr-b2b/pre-due" },
    { id: "reminder-d1", offsetDays: 1, action: "email", template: "fr-b2b/reminder-d1" },
    { id: "reminder-d8", offsetDays: 8, action: "email", template: "fr-b2b/reminder-d8" },
    { id: "phone-d8", offsetDays: 8, action: "phone_task", template: "fr-b2b/phone-script" },
    { id: "letter-d15", offsetDays: 15, action: "letter", template: "fr-b2b/letter-d15" },
    { id: "registered-1", offsetDays: 22, action: "registered_letter", template: "fr-b2b/registered-1" },
    { id: "registered-2", offsetDays: 29, action: "registered_letter", template: "fr-b2b/registered-2" },
    { id: "registered-3", offsetDays: 36, action: "registered_letter", template: "fr-b2b/registered-3" },
    { id: "formal-notice", offsetDays: 45, action: "formal_notice", template: "fr-b2b/formal-notice" },
    { id: "agency", offsetDays: 60, action: "agency", when: { amountBands: [{ currency: "EUR", minMinor: 15000 }] } },
  ],
});
/** The same offsets as the old email-only ladder, for the baseline. */
const ladder: LadderPolicy = {
  key: policy.key,
  version: policy.version,
  name: policy.name,
  steps: policy.steps.map((step) => ({
    id: step.id,
    offsetDays: step.offsetDays,
    action: "email",
    template: step.template ?? step.id,
  })),
};

// ---------------------------------------------------------------------------------------------------------
// Synthetic cases, from a seeded generator: the same cases on every run.

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = mulberry32(20260101);
const int = (min: number, max: number) => min + Math.floor(random() * (max - min + 1));
const chance = (p: number) => random() < p;
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
const CHANNELS: readonly ContactChannel[] = ["email", "email", "email", "letter", "phone"];

interface BenchCase {
  readonly state: CaseState;
  readonly now: number;
}

function syntheticCase(index: number): BenchCase {
  const now = scale.originEpochMs + int(0, 60) * REAL_DAY_MS + int(0, 23) * 3_600_000;
  const invoices: CaseInvoice[] = Array.from({ length: int(1, 8) }, (_, n) => ({
    id: `c${index}-i${n}`,
    number: `F-${index}-${n}`,
    currency: chance(0.9) ? "EUR" : "USD",
    balanceMinor: chance(0.04) ? 0 : int(500, 500_000),
    dueDate: addDays(ORIGIN, int(-150, 75)),
  }));
  const disputes: OpenDispute[] = [];
  if (chance(0.15)) {
    const target = pick(invoices);
    const mediated = chance(0.4);
    disputes.push({
      id: `c${index}-d`,
      invoiceId: target.id,
      amountMinor: chance(0.5) ? target.balanceMinor : Math.ceil(target.balanceMinor / 3),
      currency: target.currency,
      reason: "billing_error",
      openedAt: now - int(1, 20) * REAL_DAY_MS,
      mediator: mediated ? { kind: "user", userId: "u1", name: "Mediator" } : null,
      slaAt: mediated ? now + int(-3, 14) * REAL_DAY_MS : null,
      mediatorRemindersSent: mediated ? int(0, 4) : 0,
      levelAtOpening: -1,
    });
  }
  const covered = invoices.slice(0, 2);
  const baseline = Object.fromEntries(
    covered.map((invoice) => [invoice.id, invoice.balanceMinor + (chance(0.3) ? int(0, 20_000) : 0)]),
  );
  const today = Math.floor((now - scale.originEpochMs) / REAL_DAY_MS);
  const kind = random();
  const promise =
    kind < 0.08
      ? {
          id: `c${index}-p`,
          promisedDate: addDays(ORIGIN, today + int(-5, 40)),
          amountMinor: int(1_000, 50_000),
          currency: "EUR",
          baseline,
          graceDays: 2,
        }
      : null;
  const paymentPlan =
    kind >= 0.08 && kind < 0.14
      ? {
          id: `c${index}-pp`,
          currency: "EUR",
          instalments: Array.from({ length: int(2, 6) }, (_, n) => ({
            dueDate: addDays(ORIGIN, today + int(-10, 10) + 30 * n),
            amountMinor: int(5_000, 30_000),
          })),
          baseline,
          graceDays: 3,
          reminderDaysBefore: 3,
          remindersSent: int(0, 2),
        }
      : null;
  let at = now - int(20, 90) * REAL_DAY_MS;
  const contacts: CaseContact[] = [];
  for (let n = int(0, 10); n > 0 && at < now; n--) {
    contacts.push({ channel: pick(CHANNELS), at, stepId: "bench" });
    at += int(1, 12) * REAL_DAY_MS;
  }
  const level = int(-1, policy.steps.length - 1);
  const state: CaseState = {
    invoices,
    debtor: { segments: chance(0.1) ? ["vip"] : chance(0.1) ? ["new"] : [], kind: "b2b", country: "FR" },
    overrides: {
      ...(chance(0.05) ? { optOuts: ["phone" as const] } : {}),
      ...(chance(0.03) ? { excludedInvoiceIds: [invoices[0]?.id ?? ""] } : {}),
      ...(chance(0.03) ? { doNotChaseBefore: addDays(ORIGIN, today + int(1, 20)) } : {}),
    },
    level,
    repeatsDone: 0,
    lastStepAt: level >= 0 ? now - int(1, 10) * REAL_DAY_MS : null,
    contacts,
    paused: chance(0.02),
    awaitingHuman: chance(0.03),
    resumeNotBefore: chance(0.1) ? now + int(-5, 5) * REAL_DAY_MS : null,
    disputes,
    promise,
    plan: paymentPlan,
  };
  return { state, now };
}

// ---------------------------------------------------------------------------------------------------------
// Measurement.

type Loop = (cases: readonly BenchCase[]) => number;

/** The returned checksum keeps the work observable, so the JIT cannot drop it. */
const planner: Loop = (cases) => {
  let sink = 0;
  for (const { state, now } of cases) {
    const decision: Decision = plan(state, policy, now, scale);
    sink += decision.kind.length + ("at" in decision ? decision.at % 7 : 0);
  }
  return sink;
};

const baseline: Loop = (cases) => {
  let sink = 0;
  for (const { state, now } of cases) {
    const next = planNext(ladder, snapshotOf(state.invoices), state.level, now, scale);
    sink += next.kind.length + (next.kind === "step" ? next.at % 7 : 0);
  }
  return sink;
};

function timed(loop: Loop, cases: readonly BenchCase[]): { readonly rate: number; readonly sink: number } {
  const start = process.hrtime.bigint();
  const sink = loop(cases);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return { rate: cases.length / seconds, sink };
}

const median = (values: readonly number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
const fmt = (rate: number) => Math.round(rate).toLocaleString("en-US").padStart(12);
const ns = (rate: number) => (1e9 / rate).toFixed(0).padStart(8);

const buildStart = process.hrtime.bigint();
const cases = Array.from({ length: CASES }, (_, index) => syntheticCase(index));
const buildMs = Number(process.hrtime.bigint() - buildStart) / 1e6;

const mix = new Map<string, number>();
for (const { state, now } of cases) {
  const decision = plan(state, policy, now, scale);
  const key = decision.kind === "idle" ? `idle:${decision.reason}` : decision.kind;
  mix.set(key, (mix.get(key) ?? 0) + 1);
}
const invoiceCount = cases.reduce((sum, { state }) => sum + state.invoices.length, 0);

// Warm-up: let both loops reach their optimised tiers before anything is timed.
for (let pass = 0; pass < 2; pass++) {
  planner(cases);
  baseline(cases);
}
const plannerRates: number[] = [];
const baselineRates: number[] = [];
let checksum = 0;
for (let run = 0; run < RUNS; run++) {
  const a = timed(planner, cases);
  const b = timed(baseline, cases);
  plannerRates.push(a.rate);
  baselineRates.push(b.rate);
  checksum = (checksum + a.sink + b.sink) % 1_000_000_007;
}

const plannerMedian = median(plannerRates);
const baselineMedian = median(baselineRates);
console.log(
  `planner bench: ${CASES.toLocaleString("en-US")} cases (${invoiceCount.toLocaleString("en-US")} invoices, built in ${buildMs.toFixed(0)} ms), ` +
    `policy ${policy.key} (${policy.steps.length} steps), Node ${process.version}, one core, median of ${RUNS} runs after warm-up`,
);
console.log(
  `decision mix: ${[...mix]
    .sort((a, b) => b[1] - a[1])
    .map(([kind, count]) => `${kind} ${((100 * count) / CASES).toFixed(1)}%`)
    .join(", ")}`,
);
console.log("");
console.log("  loop                              decisions/s (median)        min          max   ns/decision");
console.log(
  `  plan() collection planner         ${fmt(plannerMedian)}   ${fmt(Math.min(...plannerRates))} ${fmt(Math.max(...plannerRates))}  ${ns(plannerMedian)}`,
);
console.log(
  `  planNext(snapshotOf()) baseline   ${fmt(baselineMedian)}   ${fmt(Math.min(...baselineRates))} ${fmt(Math.max(...baselineRates))}  ${ns(baselineMedian)}`,
);
console.log("");
console.log(
  `  ratio: plan() runs at ${(plannerMedian / baselineMedian).toFixed(2)}× the baseline's rate ` +
    `(${(baselineMedian / plannerMedian).toFixed(2)}× the time per decision)   [checksum ${checksum}]`,
);
