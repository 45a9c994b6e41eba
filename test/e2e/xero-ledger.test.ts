/**
 * A Xero ledger end to end, on the real system (Temporal dev server, store, worker, API) with the real
 * xero-node against a fake Xero on 127.0.0.1: connect through OAuth (state and browser checked), the
 * first full sync, reminders with notes written back to the invoices, a payment arriving by webhook
 * stopping the ladder, a credit note re-anchoring the balance, a voided invoice dropped, an expired
 * token refreshed mid-sync, and a refused refresh flagging the connection while collection goes on.
 */
import { addDays, calendarDateOf } from "@relance/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeXero, startFakeXero } from "../fakes/xero";
import { recordHistories } from "../support/histories";
import { readJson } from "../support/json";
import { ledgerCsv } from "../support/ledger";
import { consentThroughBrowser, xeroEnv } from "../support/ledger-apps";
import { eventually, type System, startSystem } from "../support/system";

const DAY_MS = 2000;
const REDIRECT = "http://127.0.0.1:9/oauth/xero/callback";
const today = calendarDateOf(Date.now());
const due = (days: number) => addDays(today, days);

describe("Xero ledger", () => {
  let fake: FakeXero;
  let system: System;
  let connectionId = "";
  const ids: Record<string, string> = {};
  const debtorIds = new Map<string, string>();

  const stepsTo = (email: string) =>
    system.sendgrid.messages.filter((mail) => mail.to.includes(email)).map((mail) => mail.subject);

  async function postWebhook(body: string, headers: Record<string, string>) {
    return system.api.request("/webhooks/ledgers/xero", { method: "POST", headers, body });
  }

  async function debtor(externalId: string) {
    const page = await readJson(await system.request("/v1/debtors?limit=100"));
    for (const item of page.items) debtorIds.set(item.externalId, item.id);
    return page.items.find((item: { externalId: string }) => item.externalId === externalId);
  }

  beforeAll(async () => {
    fake = await startFakeXero({ organisations: [{ name: "Acme Ltd" }], redirectUris: [REDIRECT] });
    const ledger = fake.ledger();
    for (const name of ["A", "B", "C"]) {
      ids[name] = ledger.addContact({ name: `Debtor ${name}`, email: `${name.toLowerCase()}@debtors.example` }).contactId;
    }
    ids["A-1"] = ledger.addInvoice({
      contactId: ids.A as string,
      number: "A-1",
      total: "120.00",
      date: due(-28),
      dueDate: due(2),
    }).invoiceId;
    ids["B-1"] = ledger.addInvoice({
      contactId: ids.B as string,
      number: "B-1",
      total: "80.50",
      date: due(-31),
      dueDate: due(-1),
    }).invoiceId;
    ids["C-1"] = ledger.addInvoice({
      contactId: ids.C as string,
      number: "C-1",
      total: "1000.00",
      date: due(-40),
      dueDate: due(-10),
    }).invoiceId;
    ids["C-2"] = ledger.addInvoice({
      contactId: ids.C as string,
      number: "C-2",
      total: "300.00",
      date: due(-34),
      dueDate: due(-4),
    }).invoiceId;
    system = await startSystem({
      engine: "pglite",
      dayMs: DAY_MS,
      env: xeroEnv(fake, REDIRECT),
    });
  });
  afterAll(async () => {
    if (system && process.env.RELANCE_RECORD_HISTORIES === "ledger") {
      const ids: string[] = [];
      for await (const execution of system.runtime.client.workflow.list({
        query: "WorkflowType = 'connectionSync' OR WorkflowType = 'ledgerWriteBack'",
      })) {
        if (execution.status.name === "COMPLETED") ids.push(execution.workflowId);
      }
      const pick = (prefix: string) => ids.filter((id) => id.startsWith(prefix)).sort()[0];
      const chosen = [pick("ledger-sync:"), pick("ledger-webhook:"), pick("write-back:")].filter((id) => id !== undefined);
      await recordHistories(system.runtime.client, "ledger", chosen);
    }
    await system?.close();
    await fake?.close();
  });

  it("connects through OAuth: the state is single-use and bound to the browser that started it", async () => {
    const { started, cookie, authorizationUrl, redirectedTo, callback } = await consentThroughBrowser(
      system,
      "xero",
      "Acme Xero",
    );
    expect(cookie).toMatch(/^relance_oauth_xero=.+/);
    expect(started.headers.get("set-cookie")).toMatch(/HttpOnly/i);
    const consent = new URL(authorizationUrl);
    expect(consent.origin + consent.pathname).toBe(`${fake.loginBaseUrl}/identity/connect/authorize`);
    expect(consent.searchParams.get("redirect_uri")).toBe(REDIRECT);
    expect(consent.searchParams.get("code_challenge_method")).toBe("S256");
    expect(consent.searchParams.get("scope")).toContain("offline_access");

    expect(redirectedTo.origin + redirectedTo.pathname).toBe(REDIRECT);

    const foreign = await system.api.request(callback, { headers: { cookie: "relance_oauth_xero=someone-else" } });
    expect(foreign.status).toBe(403);
    expect((await readJson(foreign)).detail).toMatch(/another browser session/);
    const noCookie = await system.api.request(callback);
    expect(noCookie.status).toBe(403);

    const done = await system.api.request(callback, { headers: { cookie } });
    expect(done.status).toBe(200);
    const outcome = await readJson(done);
    expect(outcome.connections).toHaveLength(1);
    expect(outcome.connections[0]).toMatchObject({
      accountId: fake.organisations[0]?.tenantId,
      accountName: "Acme Ltd",
      created: true,
    });
    connectionId = outcome.connections[0].connectionId;

    const replayed = await system.api.request(callback, { headers: { cookie } });
    expect(replayed.status).toBe(403);
    expect((await readJson(replayed)).detail).toMatch(/already used/);

    const view = await readJson(await system.request(`/v1/connections/${connectionId}`));
    expect(view).toMatchObject({ pluginId: "xero", status: "active", accountId: fake.organisations[0]?.tenantId });
    expect(JSON.stringify(view)).not.toMatch(/access|refresh/i);
    // The tokens are stored encrypted: no trace of them in the grants table.
    const grants = await system.runtime.store.db.selectFrom("oauth_grants").select("tokens_ciphertext").execute();
    expect(grants).toHaveLength(1);
    expect(grants[0]?.tokens_ciphertext).not.toMatch(/Bearer|access_token|accessToken/);
  });

  it("runs the first full sync right away and the cases start", async () => {
    // Contacts come in a page of their own, before their invoices: wait for both.
    const c = await eventually(
      "the debtors of the Xero ledger with their invoices",
      async () => {
        const found = await debtor(ids.C as string);
        return found?.openBalances.length ? found : undefined;
      },
      60_000,
      250,
    );
    expect(c.name).toBe("Debtor C");
    expect(c.openBalances).toEqual([{ currency: "GBP", amountMinor: 130_000 }]);
    await eventually(
      "the watermark recorded",
      async () => ((await readJson(await system.request(`/v1/connections/${connectionId}`))).lastSyncedAt ? true : undefined),
      30_000,
      250,
    );
    expect(fake.count("GET /api.xro/2.0/Invoices")).toBeGreaterThanOrEqual(1);
    await eventually("the first reminders", () => (system.sendgrid.messages.length >= 3 ? true : undefined), 60_000);
    expect(stepsTo("a@debtors.example")).toHaveLength(1);
    expect(stepsTo("b@debtors.example")).toHaveLength(1);
    expect(stepsTo("c@debtors.example")).toHaveLength(1);
  });

  it("writes a history note on each invoice a message was about", async () => {
    const ledger = fake.ledger();
    await eventually("history notes", () => (ledger.history.length >= 4 ? true : undefined), 60_000, 250);
    const noted = new Set(ledger.history.map((note) => note.invoiceId));
    for (const invoice of ["A-1", "B-1", "C-1", "C-2"]) expect(noted.has(ids[invoice] as string)).toBe(true);
    expect(ledger.history[0]?.details).toMatch(/^Relance: /);
  });

  it("refuses webhooks with a forged or missing signature, and answers the intent-to-receive check", async () => {
    const genuine = fake.webhook([]);
    expect((await postWebhook(genuine.body, genuine.headers)).status).toBe(200);
    const forged = await postWebhook(genuine.body, { ...genuine.headers, "x-xero-signature": "bm90IHRoZSBzaWduYXR1cmU=" });
    expect(forged.status).toBe(401);
    const unsigned = await postWebhook(genuine.body, { "content-type": "application/json" });
    expect(unsigned.status).toBe(401);
  });

  it("stops A's ladder before its next step when Xero says the invoice was paid", async () => {
    fake.ledger().pay(ids["A-1"] as string, "120.00", today);
    const hook = fake.webhook([
      { category: "INVOICE", resourceId: ids["A-1"] as string, tenantId: fake.organisations[0]?.tenantId as string },
    ]);
    expect((await postWebhook(hook.body, hook.headers)).status).toBe(200);
    // A redelivery is recorded once: no second sync.
    expect((await postWebhook(hook.body, hook.headers)).status).toBe(200);
    await eventually(
      "A paid",
      async () => ((await debtor(ids.A as string))?.openBalances.length === 0 ? true : undefined),
      30_000,
      250,
    );
    // A's next step (D+1) falls 3 policy days after the pre-due one: wait past it.
    await new Promise((wait) => setTimeout(wait, 4 * DAY_MS));
    expect(stepsTo("a@debtors.example")).toHaveLength(1);
  });

  it("re-anchors C's balance on a credit note allocated to its oldest invoice", async () => {
    const ledger = fake.ledger();
    const note = ledger.addCreditNote({ contactId: ids.C as string, number: "CN-1", total: "1000.00", date: today });
    ledger.allocate(note.creditNoteId, ids["C-1"] as string, "1000.00", today);
    const hook = fake.webhook([
      { category: "CREDITNOTE", resourceId: note.creditNoteId, tenantId: fake.organisations[0]?.tenantId as string },
    ]);
    expect((await postWebhook(hook.body, hook.headers)).status).toBe(200);
    const c = await eventually(
      "C re-anchored",
      async () => {
        const found = await debtor(ids.C as string);
        return found?.openBalances[0]?.amountMinor === 30_000 ? found : undefined;
      },
      30_000,
      250,
    );
    const one = await readJson(await system.request(`/v1/debtors/${c.id}`));
    expect(one.oldestDueDate).toBe(due(-4));
    const stored = await system.runtime.store.db.selectFrom("ledger_credit_notes").selectAll().execute();
    expect(stored).toMatchObject([{ number: "CN-1", total_minor: 100_000, remaining_minor: 0, status: "applied" }]);
  });

  it("writes an upheld dispute back to Xero as a credit note allocated to the invoice, once switched on", async () => {
    const patched = await system.request(`/v1/connections/${connectionId}`, {
      method: "PATCH",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ config: { writeBack: { creditNotes: true } } }),
    });
    expect(patched.status).toBe(200);
    expect((await readJson(patched)).config.writeBack).toMatchObject({ notes: true, creditNotes: true });
    const c = await debtor(ids.C as string);
    const invoices = await readJson(await system.request(`/v1/invoices?debtorId=${c.id}`));
    const c2 = invoices.items.find((invoice: { number: string }) => invoice.number === "C-2");
    const post = (path: string, body: unknown) =>
      system.request(path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    const opened = await post(`/v1/debtors/${c.id}/disputes`, { invoiceId: c2.id, amountMinor: 10_000, reason: "billing_error" });
    expect(opened.status).toBe(201);
    const disputeId = (await readJson(opened)).id;
    const resolved = await post(`/v1/debtors/${c.id}/disputes/${disputeId}/resolve`, {
      outcome: "upheld",
      explanation: "one line was billed twice",
    });
    expect(resolved.status).toBe(200);
    const ledger = fake.ledger();
    const note = await eventually(
      "the credit note in Xero",
      () => [...ledger.creditNotes.values()].find((candidate) => candidate.contactId === ids.C && candidate.number !== "CN-1"),
      30_000,
      250,
    );
    expect(note).toMatchObject({ totalMinor: 10_000, currency: "GBP" });
    await eventually("its allocation to C-2", () =>
      ledger.allocationsOfCreditNote(note.creditNoteId).some((allocation) => allocation.invoiceId === ids["C-2"])
        ? true
        : undefined,
    );
  });

  it("drops a voided invoice on the next scheduled sync, refreshing an expired token mid-sync", async () => {
    fake.ledger().voidInvoice(ids["B-1"] as string);
    fake.expireAccessTokens();
    const refreshesBefore = fake.refreshCalls;
    const sync = await system.request(`/v1/connections/${connectionId}/sync`, { method: "POST" });
    expect(sync.status).toBe(202);
    await eventually(
      "B dropped",
      async () => ((await debtor(ids.B as string))?.openBalances.length === 0 ? true : undefined),
      30_000,
      250,
    );
    expect(fake.refreshCalls).toBe(refreshesBefore + 1);
    const invoices = await readJson(await system.request(`/v1/invoices?debtorId=${debtorIds.get(ids.B as string)}`));
    expect(invoices.items.map((invoice: { status: string }) => invoice.status)).toEqual(["void"]);
  });

  it("flags the connection when Xero refuses the refresh, and collection goes on", async () => {
    fake.revokeGrant();
    fake.expireAccessTokens();
    await system.request(`/v1/connections/${connectionId}/sync`, { method: "POST" });
    const flagged = await eventually(
      "the connection flagged",
      async () => {
        const view = await readJson(await system.request(`/v1/connections/${connectionId}`));
        return view.status === "needs_reauth" ? view : undefined;
      },
      30_000,
      250,
    );
    expect(flagged.statusReason).toMatch(/reconnect/);
    const tasks = await readJson(await system.request("/v1/tasks?status=open&limit=100"));
    expect(tasks.items.filter((task: { kind: string }) => task.kind === "reconnect_ledger")).toHaveLength(1);
    expect((await system.request(`/v1/connections/${connectionId}/sync`, { method: "POST" })).status).toBe(409);
    const timeline = await readJson(await system.request("/v1/timeline?limit=50"));
    expect(timeline.items).toEqual([
      expect.objectContaining({
        kind: "connection",
        status: "needs_reauth",
        summary: expect.stringMatching(/Acme Xero.*paused/),
      }),
    ]);

    // Everything else keeps collecting: a file ledger of the same tenant gets its reminder.
    const csv = await system.importCsv(ledgerCsv([{ debtor: "E", invoice: "E-1", amount: "50.00", dueInDays: -2 }]));
    expect(csv.status).toBe(201);
    await eventually("E's reminder", () => (stepsTo("e@debtors.example").length === 1 ? true : undefined), 30_000);
  });
});
