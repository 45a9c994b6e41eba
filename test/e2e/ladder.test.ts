/**
 * The skeleton end to end: a CSV ledger → cases on a real Temporal server → the real @sendgrid/mail
 * delivering to a fake SendGrid at the right steps; a re-import with a debtor paid stops that debtor;
 * pause stops a case and resume continues it. Days last two seconds.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { recordHistories } from "../support/histories";
import { readJson } from "../support/json";
import { ledgerCsv } from "../support/ledger";
import { type Engine, engines, eventually, type System, startSystem } from "../support/system";

const DAY_MS = 2000;

const subjectsTo = (system: System, email: string) =>
  system.sendgrid.messages.filter((mail) => mail.to.includes(email)).map((mail) => stepOf(mail.subject));

function stepOf(subject: string): string {
  if (subject.includes("falling due soon")) return "pre-due";
  if (subject.includes("second reminder")) return "second-reminder";
  if (subject.includes("payment reminder")) return "first-reminder";
  return `unknown: ${subject}`;
}

const rows = [
  { debtor: "A", invoice: "A-1", amount: "120.00", dueInDays: 2 },
  { debtor: "B", invoice: "B-1", amount: "80.50", dueInDays: -1 },
  { debtor: "C", invoice: "C-1", amount: "1000.00", dueInDays: -10 },
  { debtor: "C", invoice: "C-2", amount: "45.00", currency: "USD", dueInDays: -4 },
  { debtor: "D", invoice: "D-1", amount: "300.00", dueInDays: 5 },
  { debtor: "E", invoice: "E-1", amount: "10.00", due: "0.00", dueInDays: -3 },
];

describe.each(engines())("CSV ledger to reminders on %s", (engine: Engine) => {
  let system: System;
  const debtorIds = new Map<string, string>();

  beforeAll(async () => {
    system = await startSystem({ engine, dayMs: DAY_MS });
  });
  afterAll(async () => {
    if (system && engine === "pglite") {
      const workflowIds: string[] = [];
      for (const debtor of ["A", "B", "C", "D"]) {
        const view = await readJson(await system.request(`/v1/debtors/${debtorIds.get(debtor)}/case`));
        workflowIds.push(view.workflowId);
      }
      await recordHistories(system.runtime.client, "ladder", workflowIds);
    }
    await system?.close();
  });

  it("imports the ledger and opens one case per owing debtor", async () => {
    const response = await system.importCsv(ledgerCsv(rows));
    expect(response.status).toBe(201);
    const result = await readJson(response);
    expect(result).toMatchObject({ rows: 6, debtors: { created: 5 }, invoices: { created: 6 }, changedDebtors: 4 });
    const debtors = await readJson(await system.request("/v1/debtors?limit=50"));
    for (const debtor of debtors.items) debtorIds.set(debtor.externalId, debtor.id);
    expect([...debtorIds.keys()].sort()).toEqual(["A", "B", "C", "D", "E"]);
  });

  it("sends the step each debtor has reached, once, as one grouped statement", async () => {
    await eventually("first messages", () => (system.sendgrid.messages.length >= 4 ? true : undefined), 30_000);
    expect(subjectsTo(system, "a@debtors.example")).toEqual(["pre-due"]);
    expect(subjectsTo(system, "b@debtors.example")).toEqual(["first-reminder"]);
    // C is met late: only the step it has reached, the earlier ones recorded as skipped.
    expect(subjectsTo(system, "c@debtors.example")).toEqual(["second-reminder"]);
    expect(subjectsTo(system, "e@debtors.example")).toEqual([]);
    const toC = system.sendgrid.messages.find((mail) => mail.to.includes("c@debtors.example"));
    const text = JSON.stringify(toC?.body);
    expect(text).toContain("C-1");
    expect(text).toContain("C-2");
    expect(text).toContain("€1,000.00");
    expect(text).toContain("$45.00");
    expect(toC?.customArgs.relance_message_id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("stops a debtor whose invoice a later file shows paid", async () => {
    const paidA = rows.map((row) => (row.debtor === "A" ? { ...row, due: "0.00" } : row));
    const response = await system.importCsv(ledgerCsv(paidA));
    expect(response.status).toBe(201);
    expect(await readJson(response)).toMatchObject({ invoices: { updated: 1, unchanged: 5 }, changedDebtors: 1 });
    const a = debtorIds.get("A");
    await eventually("A's case to close", async () => {
      const view = await readJson(await system.request(`/v1/debtors/${a}/case`));
      return view.state === "closed" ? view : undefined;
    });
  });

  it("pauses and resumes a case", async () => {
    const d = debtorIds.get("D");
    await eventually(
      "D's pre-due reminder",
      () => (subjectsTo(system, "d@debtors.example").length === 1 ? true : undefined),
      30_000,
    );
    const paused = await system.request(`/v1/debtors/${d}/case/pause`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ reason: "customer called" }),
    });
    expect(paused.status).toBe(200);
    expect(await readJson(paused)).toMatchObject({ state: "open", stage: "paused", paused: true, nextAction: null });
    // D's first reminder falls due six days (12 s) after its pre-due step; wait past it.
    await new Promise((wait) => setTimeout(wait, 8 * DAY_MS));
    expect(subjectsTo(system, "d@debtors.example")).toEqual(["pre-due"]);
    const resumed = await system.request(`/v1/debtors/${d}/case/resume`, { method: "POST" });
    expect(resumed.status).toBe(200);
    await eventually("D's first reminder after resume", () =>
      subjectsTo(system, "d@debtors.example").length === 2 ? true : undefined,
    );
    expect(subjectsTo(system, "d@debtors.example")).toEqual(["pre-due", "first-reminder"]);
  });

  it("continues the ladder, and the paid debtor gets nothing more", async () => {
    await eventually(
      "B's second reminder",
      () => (subjectsTo(system, "b@debtors.example").length === 2 ? true : undefined),
      30_000,
    );
    expect(subjectsTo(system, "a@debtors.example")).toEqual(["pre-due"]);
    expect(subjectsTo(system, "b@debtors.example")).toEqual(["first-reminder", "second-reminder"]);
    expect(subjectsTo(system, "c@debtors.example")).toEqual(["second-reminder"]);
  });

  it("shows the case with its timeline, delivery status and skipped steps", async () => {
    const c = debtorIds.get("C");
    const toC = system.sendgrid.messages.find((mail) => mail.to.includes("c@debtors.example"));
    if (!toC) throw new Error("no message to C");
    const delivery = system.sendgrid.signEvents([{ event: "delivered", mail: toC }]);
    const hook = await system.api.request("/webhooks/channels/email-sendgrid", {
      method: "POST",
      headers: delivery.headers,
      body: delivery.body,
    });
    expect(hook.status).toBe(200);
    expect(await readJson(hook)).toEqual({ received: 1, recorded: 1 });
    // The same delivery again (providers retry): accepted, recorded once.
    const again = await system.api.request("/webhooks/channels/email-sendgrid", {
      method: "POST",
      headers: delivery.headers,
      body: delivery.body,
    });
    expect(await readJson(again)).toEqual({ received: 1, recorded: 0 });
    // A forged or tampered body is refused and leaves no trace.
    const forged = await system.api.request("/webhooks/channels/email-sendgrid", {
      method: "POST",
      headers: delivery.headers,
      body: delivery.body.replace("delivered", "bounce"),
    });
    expect(forged.status).toBe(401);
    expect(forged.headers.get("content-type")).toBe("application/problem+json");
    const view = await eventually("the end of the ladder to be noted", async () => {
      const body = await readJson(await system.request(`/v1/debtors/${c}/case`));
      return body.timeline.some((entry: { status: string }) => entry.status === "ladder_complete") ? body : undefined;
    });
    expect(view).toMatchObject({
      state: "open",
      stage: "ladder_complete",
      lastStepId: "second-reminder",
      policy: { key: "email-3-steps", version: 1 },
    });
    expect(view.openBalances).toEqual([
      { amountMinor: 100000, currency: "EUR" },
      { amountMinor: 4500, currency: "USD" },
    ]);
    const kinds = view.timeline.map((entry: { kind: string; status: string }) => `${entry.kind}:${entry.status}`);
    // Met late: the earlier steps passed over, the last one sent; then the ladder is over and a person decides.
    expect(kinds).toEqual(["decision:skipped", "decision:skipped", "message:accepted", "decision:ladder_complete"]);
    const message = view.timeline.find((entry: { kind: string }) => entry.kind === "message");
    expect(message).toMatchObject({ channel: "email-sendgrid", delivery: { status: "delivered" } });
  });
});
