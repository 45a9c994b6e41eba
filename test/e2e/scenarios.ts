/**
 * The escalation engine end to end, on the shipped French B2B ladder with compressed days: a real
 * Temporal dev server, database, worker and HTTP API; emails through the real @sendgrid/mail to a fake
 * SendGrid, letters and agency claims to the local sandboxes. Each scenario has its own debtors, so
 * they run side by side on one system.
 */
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { addDays } from "@relance/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { recordHistories, replayFailures } from "../support/histories";
import { readJson } from "../support/json";
import { type LedgerRow, ledgerCsv } from "../support/ledger";
import { type Engine, eventually, type System, startSystem } from "../support/system";

export const DAY_MS = 500;
const POLL_MS = 300;
const LADDER = [
  "pre-due",
  "reminder-d1",
  "reminder-d8",
  "phone-d8",
  "letter-d15",
  "registered-1",
  "registered-2",
  "registered-3",
  "formal-notice",
  "agency",
];
const ADDRESS = { line1: "12 rue des Lilas", postalCode: "75011", city: "Paris", country: "FR" };

interface TimelineEntry {
  readonly at: string;
  readonly kind: string;
  readonly status: string;
  readonly summary: string;
  readonly channel: string | null;
}

interface CaseBody {
  readonly workflowId: string;
  readonly state: "open" | "closed" | "none";
  readonly stage: string | null;
  readonly level: number;
  readonly lastStepId: string | null;
  readonly policy: { key: string; version: number } | null;
  readonly nextAction: { kind: string; stepId: string | null; at: string } | null;
  readonly today: string | null;
  readonly timeline: readonly TimelineEntry[];
}

/** Steps the case carried out, in order: each message, task, claim or refusal names its step first. */
export function stepsDone(view: CaseBody): string[] {
  return view.timeline
    .filter((entry) => ["message", "task"].includes(entry.kind) || (entry.kind === "decision" && entry.status === "refused"))
    .map((entry) => entry.summary.split(":")[0] ?? "");
}

/** How a debtor's external id shows in sandbox file names (derived from the step's idempotency key). */
function fileKey(external: string): string {
  return `~3A${external}~3A`;
}

/**
 * `record` saves the cases' histories for test/replay.test.ts; `replay` replays each case's history
 * once the scenarios are over and fails on any nondeterminism.
 */
export function scenarioSuite(engine: Engine, options: { record?: string; replay?: boolean }) {
  describe.concurrent(`escalation scenarios on ${engine}`, { timeout: 240_000 }, () => {
    let system: System;
    const recorded: string[] = [];

    beforeAll(async () => {
      system = await startSystem({
        engine,
        dayMs: DAY_MS,
        env: { RELANCE_POLICY: "fr-b2b", RELANCE_CASE_HISTORY_LIMIT: "100" },
      });
    });
    afterAll(async () => {
      if (system && options.record) await recordHistories(system.runtime.client, options.record, recorded);
      const failures = system && options.replay ? await replayFailures(system.runtime.client, recorded) : [];
      await system?.close();
      expect(failures).toEqual([]);
    });

    async function importRows(rows: readonly LedgerRow[]): Promise<void> {
      const response = await system.importCsv(ledgerCsv(rows));
      expect(response.status, await response.clone().text()).toBe(201);
    }
    async function debtorIdOf(externalId: string): Promise<string> {
      return eventually(`debtor ${externalId}`, async () => {
        const page = await readJson(await system.request("/v1/debtors?limit=500"));
        return page.items.find((item: { externalId: string }) => item.externalId === externalId)?.id as string | undefined;
      });
    }
    async function invoicesOf(debtorId: string): Promise<Map<string, string>> {
      const page = await readJson(await system.request(`/v1/invoices?debtorId=${debtorId}&limit=100`));
      return new Map(page.items.map((item: { number: string; id: string }) => [item.number, item.id]));
    }
    async function caseOf(debtorId: string): Promise<CaseBody> {
      return readJson(await system.request(`/v1/debtors/${debtorId}/case?limit=500`));
    }
    function until(debtorId: string, what: string, check: (view: CaseBody) => boolean, timeoutMs = 180_000): Promise<CaseBody> {
      return eventually(
        what,
        async () => {
          const view = await caseOf(debtorId);
          return check(view) ? view : undefined;
        },
        timeoutMs,
        // Each look queries the case; without a workflow cache every query replays its whole history.
        POLL_MS,
      );
    }
    async function post(path: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
      const response = await system.request(path, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      return { status: response.status, body: await readJson(response) };
    }
    const emailsTo = (external: string) =>
      system.sendgrid.messages.filter((mail) => mail.to.includes(`${external.toLowerCase()}@debtors.example`));
    function track(view: CaseBody): void {
      if (!recorded.includes(view.workflowId)) recorded.push(view.workflowId);
    }

    it("(a) runs the full ladder to the agency: emails, a call, letters, registered letters, formal notice, claim", async () => {
      await importRows([{ debtor: "SA", invoice: "SA-1", amount: "1200.00", dueInDays: 6, address: ADDRESS }]);
      const id = await debtorIdOf("SA");
      // The view reads the timeline and asks the case side by side: wait until both show the last step.
      const view = await until(
        id,
        "the agency step",
        (v) => v.lastStepId === "agency" && stepsDone(v).includes("agency"),
        120_000,
      );
      track(view);
      expect(stepsDone(view)).toEqual(LADDER);
      expect(view.stage).toBe("ladder_complete");
      // Nothing automatic is left: a person follows the claim up.
      const review = await eventually("the review task", async () => {
        const open = await readJson(await system.request(`/v1/tasks?debtorId=${id}&kind=review`));
        return open.items.length > 0 ? open.items : undefined;
      });
      expect(review[0].title).toMatch(/ladder is complete/);
      // Emails through SendGrid; letters and the claim in the sandboxes; the call in the task list.
      expect(emailsTo("SA")).toHaveLength(3);
      const letters = await readdir(join(system.dataDir, "outbox", "letters"));
      expect(letters.filter((name) => name.includes(fileKey("SA")))).toHaveLength(5);
      const claims = await readdir(join(system.dataDir, "agency", "claims"));
      expect(claims.filter((name) => name.includes(fileKey("SA")) && name.endsWith(".json"))).toHaveLength(1);
      const tasks = await readJson(await system.request(`/v1/tasks?debtorId=${id}&kind=phone_call`));
      expect(tasks.items).toHaveLength(1);
      const formal = view.timeline.find((entry) => entry.summary.startsWith("formal-notice:"));
      expect(formal?.channel).toBe("outbox");
    });

    it("(b) a partial payment of the oldest invoice re-anchors the ladder on the next one", async () => {
      await importRows([
        { debtor: "SB", invoice: "SB-OLD", amount: "300.00", dueInDays: -2 },
        { debtor: "SB", invoice: "SB-NEW", amount: "500.00", dueInDays: 20 },
      ]);
      const id = await debtorIdOf("SB");
      const first = await until(id, "the D+1 reminder", (v) => v.lastStepId === "reminder-d1");
      // Anchored on SB-OLD (due D-2): the D+8 reminder is 6 policy days out.
      const anchoredOld = Date.parse(first.nextAction?.at ?? "");
      await importRows([
        { debtor: "SB", invoice: "SB-OLD", amount: "300.00", due: "0.00", dueInDays: -2 },
        { debtor: "SB", invoice: "SB-NEW", amount: "500.00", dueInDays: 20 },
      ]);
      const moved = await until(
        id,
        "the re-anchored next step",
        (v) => Date.parse(v.nextAction?.at ?? "0") > anchoredOld + DAY_MS,
      );
      track(moved);
      // Now anchored on SB-NEW, 22 days later; the level did not go back.
      expect(moved.lastStepId).toBe("reminder-d1");
      expect(moved.nextAction?.stepId).toBe("reminder-d8");
      expect(Date.parse(moved.nextAction?.at ?? "") - anchoredOld).toBeGreaterThan(20 * DAY_MS);
    });

    it("(c) a dispute at step 3 goes to mediation, is rejected, and chasing resumes where it stopped", async () => {
      await importRows([{ debtor: "SC", invoice: "SC-1", amount: "800.00", dueInDays: -8 }]);
      const id = await debtorIdOf("SC");
      const atStep = await until(id, "the D+8 steps", (v) => v.lastStepId === "phone-d8");
      const invoices = await invoicesOf(id);
      const opened = await post(`/v1/debtors/${id}/disputes`, {
        invoiceId: invoices.get("SC-1"),
        reason: "not_as_agreed",
        comment: "goods damaged",
      });
      expect(opened.status, JSON.stringify(opened.body)).toBe(201);
      const disputeId = opened.body.id as string;
      // On a loaded machine the ladder may take another step between the poll and the dispute: what is
      // checked is that it stops where the dispute found it, and resumes from there.
      const frozen = await caseOf(id);
      expect(frozen.stage).toBe("disputed");
      expect(frozen.level).toBeGreaterThanOrEqual(atStep.level);
      const stoppedAt = stepsDone(frozen)
        .filter((step) => LADDER.includes(step))
        .at(-1) as string;
      expect(LADDER.indexOf(stoppedAt)).toBeGreaterThanOrEqual(LADDER.indexOf("phone-d8"));
      const resumeWith = LADDER[LADDER.indexOf(stoppedAt) + 1] as string;
      const mediator = await post(`/v1/debtors/${id}/disputes/${disputeId}/mediator`, {
        mediator: { kind: "external", name: "Médiateur des entreprises", email: "mediation@example.org" },
      });
      expect(mediator.status, JSON.stringify(mediator.body)).toBe(200);
      // The whole balance is disputed: the ladder waits, and the mediator is reminded every 3 days.
      await eventually("a reminder to the mediator", () =>
        system.sendgrid.messages.some((mail) => mail.to.includes("mediation@example.org")) ? true : undefined,
      );
      const during = await caseOf(id);
      expect(during.stage).toBe("disputed");
      expect(during.level).toBe(frozen.level);
      expect(stepsDone(during).filter((step) => LADDER.includes(step))).toEqual(
        stepsDone(frozen).filter((step) => LADDER.includes(step)),
      );
      const rejected = await post(`/v1/debtors/${id}/disputes/${disputeId}/resolve`, {
        outcome: "rejected",
        explanation: "Delivery note signed without reservation.",
      });
      expect(rejected.status, JSON.stringify(rejected.body)).toBe(200);
      // Waits for the step to be done, not for it to be the latest: on a loaded machine the next one can
      // follow before a poll sees it (the case is late, so its steps come a few policy days apart).
      const after = await until(id, "the dispute outcome notice and the next step", (v) => stepsDone(v).includes(resumeWith));
      track(after);
      const done = stepsDone(after);
      const notice = done.findIndex((step) => step.startsWith("dispute-outcome"));
      expect(notice).toBeGreaterThan(done.indexOf(stoppedAt));
      expect(notice).toBeLessThan(done.indexOf(resumeWith));
      // Nothing of the ladder repeated, nothing skipped: it resumed with the step after the one it stopped at.
      const ladder = done.filter((step) => LADDER.includes(step));
      expect(ladder.slice(ladder.indexOf("reminder-d8"), ladder.indexOf(resumeWith) + 1)).toEqual(
        LADDER.slice(LADDER.indexOf("reminder-d8"), LADDER.indexOf(resumeWith) + 1),
      );
      expect(new Set(ladder).size).toBe(ladder.length);
    });

    it("(d) an upheld dispute requests a credit note; once the ledger shows it, the case closes", async () => {
      await importRows([{ debtor: "SD", invoice: "SD-1", amount: "240.00", dueInDays: -3 }]);
      const id = await debtorIdOf("SD");
      await until(id, "the first reminder", (v) => v.lastStepId === "reminder-d1");
      const invoices = await invoicesOf(id);
      const opened = await post(`/v1/debtors/${id}/disputes`, { invoiceId: invoices.get("SD-1"), reason: "billing_error" });
      expect(opened.status).toBe(201);
      const upheld = await post(`/v1/debtors/${id}/disputes/${opened.body.id}/resolve`, {
        outcome: "upheld",
        explanation: "Wrong unit price.",
      });
      expect(upheld.status).toBe(200);
      const writeBack = await eventually("the write-back task", async () => {
        const tasks = await readJson(await system.request(`/v1/tasks?debtorId=${id}&kind=write_back`));
        return tasks.items.length > 0 ? tasks.items : undefined;
      });
      expect(writeBack[0].title).toMatch(/credit note/);
      // The upheld amount stays out of the chase until the ledger shows the credit.
      const held = await caseOf(id);
      expect(held.stage).toBe("disputed");
      await importRows([{ debtor: "SD", invoice: "SD-1", amount: "240.00", due: "0.00", dueInDays: -3 }]);
      const closed = await until(id, "the case to close", (v) => v.state === "closed");
      expect(closed.timeline.some((entry) => entry.kind === "dispute" && entry.status === "credit_note_requested")).toBe(true);
    });

    it("(e) a promise kept: the promised payment lands, the promise is kept and chasing resumes for the rest", async () => {
      await importRows([
        { debtor: "SE", invoice: "SE-1", amount: "150.00", dueInDays: -3 },
        { debtor: "SE", invoice: "SE-2", amount: "90.00", dueInDays: -1 },
      ]);
      const id = await debtorIdOf("SE");
      const first = await until(id, "the first reminder", (v) => v.lastStepId === "reminder-d1");
      const promised = await post(`/v1/debtors/${id}/promises`, {
        promisedDate: addDays(first.today ?? "", 4),
        amountMinor: 15000,
        currency: "EUR",
      });
      expect(promised.status).toBe(201);
      expect((promised.body.case as CaseBody).stage).toBe("promise");
      await importRows([
        { debtor: "SE", invoice: "SE-1", amount: "150.00", due: "0.00", dueInDays: -3 },
        { debtor: "SE", invoice: "SE-2", amount: "90.00", dueInDays: -1 },
      ]);
      const kept = await until(id, "the promise kept", (v) =>
        v.timeline.some((entry) => entry.kind === "promise" && entry.status === "kept"),
      );
      track(kept);
      expect(kept.stage).toBe("chasing");
      expect(kept.level).toBe(first.level);
    });

    it("(f) a broken promise sends a notice and escalates one level higher", async () => {
      await importRows([{ debtor: "SF", invoice: "SF-1", amount: "400.00", dueInDays: -3 }]);
      const id = await debtorIdOf("SF");
      const first = await until(id, "the first reminder", (v) => v.lastStepId === "reminder-d1");
      const promised = await post(`/v1/debtors/${id}/promises`, {
        promisedDate: addDays(first.today ?? "", 2),
        amountMinor: 40000,
        currency: "EUR",
      });
      expect(promised.status, JSON.stringify(promised.body)).toBe(201);
      const broken = await until(id, "the step after the broken promise", (v) => stepsDone(v).includes("phone-d8"));
      track(broken);
      expect(broken.timeline.some((entry) => entry.kind === "promise" && entry.status === "broken")).toBe(true);
      const done = stepsDone(broken);
      // The notice, then the ladder one rung higher: reminder-d8 is the rung a broken promise costs.
      expect(done[0]).toBe("reminder-d1");
      expect(done[1]).toMatch(/^broken-promise-/);
      expect(done[2]).toBe("phone-d8");
      expect(done).not.toContain("reminder-d8");
    });

    it("(g) a payment plan kept to the end: an instalment reminder, then the case closes", async () => {
      await importRows([{ debtor: "SG", invoice: "SG-1", amount: "300.00", dueInDays: -2 }]);
      const id = await debtorIdOf("SG");
      const first = await until(id, "the first reminder", (v) => v.lastStepId === "reminder-d1");
      const today = first.today ?? "";
      const plan = await post(`/v1/debtors/${id}/payment-plans`, {
        currency: "EUR",
        instalments: [
          { dueDate: addDays(today, 5), amountMinor: 15000 },
          { dueDate: addDays(today, 10), amountMinor: 15000 },
        ],
      });
      expect(plan.status, JSON.stringify(plan.body)).toBe(201);
      await until(id, "the first instalment reminder", (v) =>
        stepsDone(v).some((step) => step.endsWith("-1") && step.startsWith("instalment")),
      );
      await importRows([{ debtor: "SG", invoice: "SG-1", amount: "300.00", due: "150.00", dueInDays: -2 }]);
      // The first instalment is paid: the plan runs on (the second one is paid early, before its reminder).
      const onPlan = await caseOf(id);
      expect(onPlan.stage).toBe("payment_plan");
      await importRows([{ debtor: "SG", invoice: "SG-1", amount: "300.00", due: "0.00", dueInDays: -2 }]);
      // The view reads the timeline and describes the case side by side: wait for both.
      const closed = await until(
        id,
        "the case to close with its plan completed",
        (v) => v.state === "closed" && v.timeline.some((entry) => entry.kind === "plan" && entry.status === "completed"),
      );
      expect(closed.timeline.some((entry) => entry.kind === "plan" && entry.status === "broken")).toBe(false);
      expect(stepsDone(closed).filter((step) => LADDER.includes(step))).toEqual(["reminder-d1"]);
    });

    it("(h) a missed instalment breaks the plan and escalation resumes", async () => {
      await importRows([{ debtor: "SH", invoice: "SH-1", amount: "300.00", dueInDays: -2 }]);
      const id = await debtorIdOf("SH");
      const first = await until(id, "the first reminder", (v) => v.lastStepId === "reminder-d1");
      const today = first.today ?? "";
      const plan = await post(`/v1/debtors/${id}/payment-plans`, {
        currency: "EUR",
        instalments: [
          { dueDate: addDays(today, 2), amountMinor: 10000 },
          { dueDate: addDays(today, 30), amountMinor: 20000 },
        ],
      });
      expect(plan.status, JSON.stringify(plan.body)).toBe(201);
      const broken = await until(
        id,
        "the plan broken and the ladder back",
        (v) => v.timeline.some((entry) => entry.kind === "plan" && entry.status === "broken") && v.level > first.level,
      );
      track(broken);
      expect(broken.stage).not.toBe("payment_plan");
    });

    it("(i) pause stops everything; resume continues the ladder", async () => {
      await importRows([{ debtor: "SI", invoice: "SI-1", amount: "70.00", dueInDays: -1 }]);
      const id = await debtorIdOf("SI");
      await until(id, "the first reminder", (v) => v.lastStepId === "reminder-d1");
      expect((await post(`/v1/debtors/${id}/case/pause`, { reason: "customer on holiday" })).status).toBe(200);
      const before = emailsTo("SI").length;
      await new Promise((wait) => setTimeout(wait, 12 * DAY_MS));
      expect(emailsTo("SI").length).toBe(before);
      expect((await caseOf(id)).stage).toBe("paused");
      expect((await post(`/v1/debtors/${id}/case/resume`, {})).status).toBe(200);
      const resumed = await until(id, "the ladder to continue", (v) => v.level > 1);
      track(resumed);
      expect(emailsTo("SI").length).toBeGreaterThan(before);
    });

    it("(j) a storm of payment and dispute signals racing continue-as-new loses none", async () => {
      const rows = Array.from({ length: 6 }, (_, index) => ({
        debtor: "SJ",
        invoice: `SJ-${index}`,
        amount: "100.00",
        dueInDays: 30,
      }));
      await importRows(rows);
      const id = await debtorIdOf("SJ");
      const opened = await until(id, "the case", (v) => v.state === "open");
      const handle = system.runtime.client.workflow.getHandle(opened.workflowId);
      const firstRun = (await handle.describe()).runId;
      const invoices = await invoicesOf(id);
      // 80 imports each paying a little more of SJ-5 (4 racing at a time), two disputes in the middle.
      const rounds = Array.from({ length: 80 }, (_, round) => round);
      const disputes: Promise<{ status: number }>[] = [];
      for (let start = 0; start < rounds.length; start += 4) {
        await Promise.all(
          rounds.slice(start, start + 4).map((round) => {
            if (round === 10)
              disputes.push(post(`/v1/debtors/${id}/disputes`, { invoiceId: invoices.get("SJ-1"), reason: "billing_error" }));
            if (round === 50)
              disputes.push(post(`/v1/debtors/${id}/disputes`, { invoiceId: invoices.get("SJ-2"), reason: "other" }));
            const due = ((10000 - (round + 1) * 50) / 100).toFixed(2);
            return importRows(rows.map((row, index) => (index === 5 ? { ...row, due } : row)));
          }),
        );
      }
      expect((await Promise.all(disputes)).map((response) => response.status)).toEqual([201, 201]);
      const page = await readJson(await system.request(`/v1/invoices?debtorId=${id}&limit=100`));
      const stored = page.items.find((item: { number: string }) => item.number === "SJ-5").balanceMinor as number;
      type Held = { state: { invoices: { number: string; balanceMinor: number }[]; disputes: unknown[] } };
      const held = await eventually("the case to hold the last balance and both disputes", async () => {
        const view = await handle.query<Held>("case");
        const balance = view.state.invoices.find((invoice) => invoice.number === "SJ-5")?.balanceMinor;
        return balance === stored && view.state.disputes.length === 2 ? view : undefined;
      });
      expect(held.state.disputes).toHaveLength(2);
      // The history limit (100 events) was crossed: the case continued as new, carrying everything.
      expect((await handle.describe()).runId).not.toBe(firstRun);
      track(await caseOf(id));
    });

    it("(k) an agency step with a disputed invoice is refused and handed to a person", async () => {
      await importRows([
        // 40 days late: the agency step (D+60) is ten policy days away, time enough for the dispute to land
        // first even on a loaded machine (at 50 days it was five, and a slow update could miss it).
        { debtor: "SK", invoice: "SK-1", amount: "900.00", dueInDays: -40 },
        { debtor: "SK", invoice: "SK-2", amount: "700.00", dueInDays: -20 },
      ]);
      const id = await debtorIdOf("SK");
      // SK-2 is disputed at once; the ladder goes on for SK-1 alone (chaseUndisputed) up to the agency step.
      const invoices = await invoicesOf(id);
      await until(id, "the case", (v) => v.state === "open");
      const opened = await post(`/v1/debtors/${id}/disputes`, { invoiceId: invoices.get("SK-2"), reason: "not_as_agreed" });
      expect(opened.status, JSON.stringify(opened.body)).toBe(201);
      const notice = await until(id, "the formal notice", (v) => stepsDone(v).includes("formal-notice"));
      const formal = notice.timeline.find((entry) => entry.summary.startsWith("formal-notice:"));
      expect(formal?.summary).toBeDefined();
      const refused = await until(id, "the agency step", (v) => stepsDone(v).includes("agency"));
      track(refused);
      expect(refused.timeline.some((entry) => entry.kind === "decision" && entry.status === "refused")).toBe(true);
      expect(refused.stage).toBe("awaiting_human");
      const tasks = await readJson(await system.request(`/v1/tasks?debtorId=${id}&kind=agency_refused`));
      expect(tasks.items).toHaveLength(1);
      const claims = await readdir(join(system.dataDir, "agency", "claims")).catch(() => [] as string[]);
      expect(claims.some((name) => name.includes(fileKey("SK")))).toBe(false);
    });

    it("(l) a VIP debtor follows the gentle variant", async () => {
      await importRows([{ debtor: "SL", invoice: "SL-1", amount: "500.00", dueInDays: -4, tags: ["vip"] }]);
      const id = await debtorIdOf("SL");
      const view = await until(id, "the first gentle step", (v) => v.lastStepId !== null);
      track(view);
      expect(view.policy?.key).toBe("fr-b2b-gentle");
      expect(view.lastStepId).toBe("reminder-d3");
    });

    it("(m) a policy update leaves running cases on their version until they are migrated", async () => {
      await importRows([{ debtor: "SM", invoice: "SM-1", amount: "500.00", dueInDays: 3 }]);
      const id = await debtorIdOf("SM");
      const running = await until(id, "the pre-due step", (v) => v.lastStepId === "pre-due");
      // Held still while the policy changes, so the check below does not race the next step.
      expect((await post(`/v1/debtors/${id}/case/pause`, { reason: "policy review" })).status).toBe(200);
      const current = await readJson(await system.request("/v1/policies/fr-b2b/versions/1"));
      const edited = { ...current.policy, name: `${current.policy.name} (edited)` };
      delete edited.version;
      const saved = await system.request("/v1/policies/fr-b2b", {
        method: "PUT",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(edited),
      });
      expect(saved.status, await saved.clone().text()).toBe(201);
      const version = (await readJson(saved)).version as number;
      expect(version).toBeGreaterThan(running.policy?.version ?? 0);
      await new Promise((wait) => setTimeout(wait, 2 * DAY_MS));
      expect((await caseOf(id)).policy?.version).toBe(running.policy?.version);
      const migrated = await post(`/v1/debtors/${id}/case/migrate-policy`, { version });
      expect(migrated.status).toBe(200);
      const after = await caseOf(id);
      track(after);
      expect(after.policy).toEqual({ key: "fr-b2b", version });
      expect(after.lastStepId).toBe("pre-due");
      expect(after.level).toBe(running.level);
      expect(after.timeline.some((entry) => entry.status === "policy_migrated")).toBe(true);
      // Resumed, the case goes on from its place on the new version.
      expect((await post(`/v1/debtors/${id}/case/resume`, {})).status).toBe(200);
      const next = await until(id, "the next step on the new version", (v) => v.lastStepId === "reminder-d1");
      expect(next.policy).toEqual({ key: "fr-b2b", version });
    });
  });
}
