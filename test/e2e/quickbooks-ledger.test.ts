/**
 * A QuickBooks Online ledger end to end, on the real system (Temporal dev server, store, worker, API)
 * with the real connector against a fake Intuit on 127.0.0.1: connect through OAuth (the realm comes
 * in the callback, the state is single-use), the first full sync (customers without an email or with
 * two addresses in one field), reminders with notes written back to the invoices' PrivateNote, payments
 * arriving by signed CloudEvents webhooks (a partial one lowering the balance, a full one stopping the
 * ladder), a deleted invoice voided through change data capture, settings changed (the realm is fixed)
 * and a disconnect that revokes the grant.
 */
import { addDays, calendarDateOf } from "@relance/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeQuickBooks, startFakeQuickBooks } from "../fakes/quickbooks";
import { readJson } from "../support/json";
import { consentThroughBrowser, quickbooksEnv } from "../support/ledger-apps";
import { eventually, type System, startSystem } from "../support/system";

const DAY_MS = 2000;
const REDIRECT = "http://127.0.0.1:9/oauth/quickbooks/callback";
const today = calendarDateOf(Date.now());
const due = (days: number) => addDays(today, days);

interface DebtorView {
  id: string;
  externalId: string;
  name: string;
  emails: string[];
  openBalances: { currency: string; amountMinor: number }[];
}

describe("QuickBooks Online ledger", () => {
  let fake: FakeQuickBooks;
  let system: System;
  let connectionId = "";
  const ids: Record<string, string> = {};

  const stepsTo = (email: string) =>
    system.sendgrid.messages.filter((mail) => mail.to.includes(email)).map((mail) => mail.subject);

  const postWebhook = (body: string, headers: Record<string, string>) =>
    system.api.request("/webhooks/ledgers/quickbooks", { method: "POST", headers, body });

  async function debtor(externalId: string): Promise<DebtorView | undefined> {
    const page = await readJson(await system.request("/v1/debtors?limit=100"));
    return page.items.find((item: DebtorView) => item.externalId === externalId);
  }

  async function invoicesOf(externalId: string): Promise<{ number: string; status: string; balanceMinor: number }[]> {
    const found = await debtor(externalId);
    if (!found) return [];
    return (await readJson(await system.request(`/v1/invoices?debtorId=${found.id}`))).items;
  }

  const connection = async () => readJson(await system.request(`/v1/connections/${connectionId}`));

  beforeAll(async () => {
    fake = await startFakeQuickBooks({ redirectUris: [REDIRECT], companyName: "Acme Landscaping" });
    const realm = fake.realm();
    ids.A = realm.addCustomer({ displayName: "Alpha Gardens", email: "alpha@debtors.example" }).Id;
    ids.B = realm.addCustomer({
      displayName: "Beta Builders",
      companyName: "Beta Builders LLC",
      email: "beta@debtors.example, accounts@beta.example",
    }).Id;
    ids.G = realm.addCustomer({ displayName: "Gamma Without Email" }).Id;
    ids.D = realm.addCustomer({ displayName: "Delta Decks", email: "delta@debtors.example" }).Id;
    const invoice = (key: string, customer: string, amount: number, issuedDaysAgo: number, dueInDays: number) => {
      ids[key] = realm.addInvoice({
        customerId: ids[customer] as string,
        docNumber: key,
        amount,
        txnDate: due(-issuedDaysAgo),
        dueDate: due(dueInDays),
      }).Id;
    };
    invoice("A-1", "A", 120, 28, 2);
    invoice("B-1", "B", 250, 33, -3);
    invoice("G-1", "G", 75.5, 35, -5);
    invoice("D-1", "D", 400, 38, -8);
    invoice("D-2", "D", 99.99, 31, -1);
    system = await startSystem({
      engine: "pglite",
      dayMs: DAY_MS,
      env: quickbooksEnv(fake, REDIRECT),
    });
  });
  afterAll(async () => {
    await system?.close();
    await fake?.close();
  });

  it("connects through OAuth: the realm comes back in the callback and the state is single-use", async () => {
    const { cookie, authorizationUrl, redirectedTo, callback } = await consentThroughBrowser(
      system,
      "quickbooks",
      "Acme QuickBooks",
    );
    expect(cookie).toMatch(/^relance_oauth_quickbooks=.+/);
    const consent = new URL(authorizationUrl);
    expect(consent.origin + consent.pathname).toBe(`${fake.oauthBaseUrl}/connect/oauth2`);
    expect(consent.searchParams.get("client_id")).toBe(fake.clientId);
    expect(consent.searchParams.get("redirect_uri")).toBe(REDIRECT);
    expect(consent.searchParams.get("scope")).toBe("com.intuit.quickbooks.accounting");

    expect(redirectedTo.origin + redirectedTo.pathname).toBe(REDIRECT);
    expect(redirectedTo.searchParams.get("realmId")).toBe(fake.realmId);

    expect((await system.api.request(callback)).status).toBe(403);
    const done = await system.api.request(callback, { headers: { cookie } });
    expect(done.status).toBe(200);
    const outcome = await readJson(done);
    expect(outcome.accounts).toEqual([{ id: fake.realmId, name: "Acme Landscaping" }]);
    expect(outcome.connections).toHaveLength(1);
    expect(outcome.connections[0]).toMatchObject({ accountId: fake.realmId, accountName: "Acme Landscaping", created: true });
    connectionId = outcome.connections[0].connectionId;

    const replayed = await system.api.request(callback, { headers: { cookie } });
    expect(replayed.status).toBe(403);
    expect((await readJson(replayed)).detail).toMatch(/already used/);
    // One code exchange only: the replay never reached Intuit.
    expect(fake.count("token")).toBe(1);

    const view = await connection();
    expect(view).toMatchObject({
      pluginId: "quickbooks",
      status: "active",
      accountId: fake.realmId,
      config: { realmId: fake.realmId, companyName: "Acme Landscaping" },
    });
    expect(JSON.stringify(view)).not.toMatch(/access|refresh/i);
  });

  it("brings the customers and invoices in on the first full sync, balances in minor units", async () => {
    await eventually("the QuickBooks debtors", async () => ((await debtor(ids.D as string)) ? true : undefined), 60_000, 250);
    await eventually("the watermark recorded", async () => ((await connection()).lastSyncedAt ? true : undefined), 30_000, 250);
    const a = await debtor(ids.A as string);
    expect(a).toMatchObject({ name: "Alpha Gardens", emails: ["alpha@debtors.example"] });
    expect(a?.openBalances).toEqual([{ currency: "USD", amountMinor: 12_000 }]);
    const b = await debtor(ids.B as string);
    expect(b?.emails).toEqual(["beta@debtors.example", "accounts@beta.example"]);
    expect(b?.openBalances).toEqual([{ currency: "USD", amountMinor: 25_000 }]);
    const g = await debtor(ids.G as string);
    expect(g?.emails).toEqual([]);
    expect(g?.openBalances).toEqual([{ currency: "USD", amountMinor: 7_550 }]);
    const d = await debtor(ids.D as string);
    expect(d?.openBalances).toEqual([{ currency: "USD", amountMinor: 49_999 }]);
    const dInvoices = await invoicesOf(ids.D as string);
    expect(dInvoices.map((invoice) => [invoice.number, invoice.status, invoice.balanceMinor]).sort()).toEqual([
      ["D-1", "open", 40_000],
      ["D-2", "open", 9_999],
    ]);
    // The first sync read by queries (no watermark yet; this small ledger fits the opening batch of
    // counts and first pages), not by change data capture.
    expect(fake.count("cdc")).toBe(0);
    expect(fake.count("batch")).toBeGreaterThanOrEqual(1);
  });

  it("sends the reminders, to the first of two addresses, and none to a customer without one", async () => {
    await eventually(
      "the first reminders",
      () =>
        ["alpha@debtors.example", "beta@debtors.example", "delta@debtors.example"].every((email) => stepsTo(email).length >= 1)
          ? true
          : undefined,
      60_000,
    );
    expect(stepsTo("alpha@debtors.example")).toHaveLength(1);
    expect(stepsTo("beta@debtors.example")).toHaveLength(1);
    expect(stepsTo("delta@debtors.example")).toHaveLength(1);
    expect(stepsTo("accounts@beta.example")).toHaveLength(0);
    expect(system.sendgrid.messages.every((mail) => mail.to.length === 1)).toBe(true);
    const about = (name: string) => system.sendgrid.messages.filter((mail) => JSON.stringify(mail.body).includes(name));
    expect(about("Alpha Gardens")).toHaveLength(1);
    expect(about("Gamma Without Email")).toHaveLength(0);
  });

  it("writes a note into the PrivateNote of each invoice a reminder was about", async () => {
    const realm = fake.realm();
    const noted = () =>
      ["A-1", "B-1", "D-1", "D-2"].every((key) =>
        /Relance/.test(String(realm.get("Invoice", ids[key] as string)?.PrivateNote ?? "")),
      );
    await eventually("the notes written back", () => (noted() ? true : undefined), 60_000, 250);
    const note = String(realm.get("Invoice", ids["A-1"] as string)?.PrivateNote);
    expect(note.startsWith(`${today} `)).toBe(true);
    // Each write carried Intuit's requestid (idempotent on retry).
    const updates = fake.calls.filter((call) => call.endpoint === "invoice.update");
    expect(updates.length).toBeGreaterThanOrEqual(4);
    for (const update of updates) expect(update.requestId).toMatch(/^[0-9a-f]{36}$/);
  });

  it("refuses a webhook with a forged signature", async () => {
    const genuine = fake.webhook([]);
    expect((await postWebhook(genuine.body, genuine.headers)).status).toBe(200);
    const forged = await postWebhook(genuine.body, { ...genuine.headers, "intuit-signature": fake.sign("something else") });
    expect(forged.status).toBe(401);
    const unsigned = await postWebhook(genuine.body, { "content-type": "application/json" });
    expect(unsigned.status).toBe(401);
  });

  it("lowers Beta's balance when a partial payment arrives by webhook", async () => {
    const payment = fake.realm().addPayment({
      customerId: ids.B as string,
      txnDate: today,
      invoices: [{ invoiceId: ids["B-1"] as string, amount: 100 }],
    });
    // Intuit announces the payment; the invoice it was applied to is not named.
    const hook = fake.webhook([{ entity: "payment", id: payment.Id, operation: "created" }]);
    expect((await postWebhook(hook.body, hook.headers)).status).toBe(200);
    await eventually(
      "Beta's balance lowered",
      async () => ((await debtor(ids.B as string))?.openBalances[0]?.amountMinor === 15_000 ? true : undefined),
      30_000,
      250,
    );
    expect((await debtor(ids.B as string))?.openBalances).toEqual([{ currency: "USD", amountMinor: 15_000 }]);
    const stored = await system.runtime.store.db.selectFrom("ledger_payments").selectAll().execute();
    expect(stored).toMatchObject([{ external_id: `${payment.Id}:${ids["B-1"]}`, amount_minor: 10_000, status: "posted" }]);
  });

  it("stops Alpha's ladder before its next step when the invoice is paid in full", async () => {
    const payment = fake.realm().addPayment({
      customerId: ids.A as string,
      txnDate: today,
      invoices: [{ invoiceId: ids["A-1"] as string, amount: 120 }],
    });
    const hook = fake.webhook([{ entity: "payment", id: payment.Id, operation: "created" }]);
    expect((await postWebhook(hook.body, hook.headers)).status).toBe(200);
    // A redelivery of the same events is dropped.
    expect((await postWebhook(hook.body, hook.headers)).status).toBe(200);
    await eventually(
      "Alpha paid",
      async () => ((await debtor(ids.A as string))?.openBalances.length === 0 ? true : undefined),
      30_000,
      250,
    );
    expect((await invoicesOf(ids.A as string)).map((invoice) => invoice.status)).toEqual(["paid"]);
    // Alpha's next step (D+1) falls 3 policy days after the pre-due one: wait past it.
    await new Promise((wait) => setTimeout(wait, 4 * DAY_MS));
    expect(stepsTo("alpha@debtors.example")).toHaveLength(1);
  });

  it("voids an invoice deleted in QuickBooks, read by change data capture on 'sync now'", async () => {
    fake.realm().delete("Invoice", ids["D-2"] as string);
    const cdcBefore = fake.count("cdc");
    const sync = await system.request(`/v1/connections/${connectionId}/sync`, { method: "POST" });
    expect(sync.status).toBe(202);
    await eventually(
      "D-2 voided",
      async () =>
        (await invoicesOf(ids.D as string)).find((invoice) => invoice.number === "D-2")?.status === "void" ? true : undefined,
      30_000,
      250,
    );
    expect(fake.count("cdc")).toBeGreaterThan(cdcBefore);
    expect((await debtor(ids.D as string))?.openBalances).toEqual([{ currency: "USD", amountMinor: 40_000 }]);
  });

  it("tells the tenant about a record it could not read, and stores the rest", async () => {
    const realm = fake.realm();
    const epsilon = realm.addCustomer({ displayName: "Epsilon Electric", email: "epsilon@debtors.example" }).Id;
    const bad = realm.addInvoice({ customerId: epsilon, docNumber: "E-1", amount: 12, txnDate: today, dueDate: due(10) });
    realm.modify("Invoice", bad.Id, { TxnDate: "2026-02-31" });
    const good = realm.addInvoice({ customerId: epsilon, docNumber: "E-2", amount: 30, txnDate: today, dueDate: due(10) });
    expect((await system.request(`/v1/connections/${connectionId}/sync`, { method: "POST" })).status).toBe(202);
    const entry = await eventually(
      "the skipped record on the tenant's timeline",
      async () =>
        (await readJson(await system.request("/v1/timeline?limit=100"))).items.find(
          (item: { status: string }) => item.status === "records_skipped",
        ),
      30_000,
      250,
    );
    expect(entry.summary).toContain(`invoice ${bad.Id}`);
    expect(entry.summary).toMatch(/2026-02-31/);
    expect(entry.detail.skipped).toEqual([expect.objectContaining({ kind: "invoice", externalId: bad.Id })]);
    await eventually(
      "the readable invoice stored",
      async () => ((await invoicesOf(epsilon)).some((invoice) => invoice.number === good.DocNumber) ? true : undefined),
      30_000,
      250,
    );
  });

  it("changes the write-back switches but never the realm", async () => {
    const patched = await system.request(`/v1/connections/${connectionId}`, {
      method: "PATCH",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ config: { writeBack: { notes: false } } }),
    });
    expect(patched.status).toBe(200);
    const view = await readJson(patched);
    expect(view.config).toMatchObject({ realmId: fake.realmId, writeBack: { notes: false } });

    const moved = await system.request(`/v1/connections/${connectionId}`, {
      method: "PATCH",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ config: { realmId: "1234567890" } }),
    });
    expect(moved.status).toBe(422);
    expect((await readJson(moved)).errors).toEqual([expect.objectContaining({ path: "config.realmId" })]);
    expect((await connection()).config.realmId).toBe(fake.realmId);
  });

  it("disconnects: the grant is revoked at Intuit, the connection disabled, and 'sync now' refused", async () => {
    const revokesBefore = fake.count("revoke");
    const removed = await system.request(`/v1/connections/${connectionId}`, { method: "DELETE" });
    expect(removed.status).toBe(204);
    expect(fake.count("revoke")).toBe(revokesBefore + 1);
    expect(fake.calls.filter((call) => call.endpoint === "revoke").at(-1)?.status).toBe(200);
    const view = await connection();
    expect(view.status).toBe("disabled");
    const grants = await system.runtime.store.db.selectFrom("oauth_grants").select("status").execute();
    expect(grants).toEqual([{ status: "revoked" }]);
    expect((await system.request(`/v1/connections/${connectionId}/sync`, { method: "POST" })).status).toBe(409);
    // The ledger's data stays.
    expect((await debtor(ids.D as string))?.openBalances).toEqual([{ currency: "USD", amountMinor: 40_000 }]);
  });
});
