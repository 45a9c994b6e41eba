import { isRelanceError, type LedgerChange, type RelanceError } from "@relance/core";
import { afterEach, describe, expect, it } from "vitest";
import { type QuickBooksChangePage, quickbooksConnector, quickbooksOAuth, requestIdOf } from "../src";
import { appFor, type Harness, harness } from "./support";

const DAY = 86_400_000;
const daysAgo = (days: number) => new Date(Date.now() - days * DAY);
let current: Harness | undefined;

afterEach(async () => {
  await current?.fake.close();
  current = undefined;
});

async function setUp(...args: Parameters<typeof harness>) {
  current = await harness(...args);
  return current;
}

async function readAll(plugin: Harness["plugin"], since?: string) {
  const pages: QuickBooksChangePage[] = [];
  let cursor: string | undefined;
  do {
    const page = (await plugin.listChanges({
      ...(since ? { since } : {}),
      ...(cursor ? { cursor } : {}),
    })) as QuickBooksChangePage;
    pages.push(page);
    cursor = page.cursor;
  } while (cursor);
  return pages;
}

async function failure(promise: Promise<unknown>): Promise<RelanceError> {
  try {
    await promise;
  } catch (error) {
    if (isRelanceError(error)) return error;
    throw error;
  }
  throw new Error("expected a RelanceError");
}

function seedLedger(h: Harness, invoices: number, customers = 20) {
  const realm = h.fake.realm();
  const old = daysAgo(60);
  for (let index = 0; index < customers; index += 1) {
    realm.addCustomer({
      displayName: `Customer ${index}`,
      companyName: `Company ${index} Ltd`,
      email: `c${index}@example.com`,
      updatedAt: old,
    });
  }
  const customerIds = realm.list("Customer").map((customer) => customer.Id);
  for (let index = 0; index < invoices; index += 1) {
    realm.addInvoice({
      customerId: customerIds[index % customerIds.length] as string,
      txnDate: "2024-01-15",
      dueDate: "2024-02-14",
      amount: 100 + (index % 7),
      // Many invoices share a second, as after an import: keyset paging must not lose or repeat them.
      updatedAt: new Date(old.getTime() + Math.floor(index / 300) * 1000),
    });
  }
  return { realm, customerIds };
}

describe("connecting a company", () => {
  it("builds Intuit's consent URL and exchanges the code for tokens and the company", async () => {
    const { fake, app } = await setUp();
    const oauth = quickbooksConnector.oauth;
    if (!oauth) throw new Error("no oauth");
    const url = new URL(await oauth.authorizationUrl(app, { state: "st-123" }));
    expect(`${url.origin}${url.pathname}`).toBe(`${fake.oauthBaseUrl}/connect/oauth2`);
    expect(Object.fromEntries(url.searchParams)).toEqual({
      client_id: fake.clientId,
      response_type: "code",
      scope: "com.intuit.quickbooks.accounting",
      redirect_uri: app.redirectUri,
      state: "st-123",
    });
    const consent = await fetch(url, { redirect: "manual" });
    expect(consent.status).toBe(302);
    const callback = new URL(consent.headers.get("location") ?? "");
    const query = Object.fromEntries(callback.searchParams);
    expect(query.state).toBe("st-123");
    const { tokens, accounts } = await oauth.exchangeCode(app, { code: query.code ?? "", query });
    expect(accounts).toEqual([{ id: fake.realmId, name: "Craig's Design and Landscaping Services" }]);
    expect(tokens.accessToken).toMatch(/^eyJ/);
    expect(tokens.expiresAt).toBeGreaterThan(Date.now() + 3_500_000);
    expect(tokens.refreshTokenExpiresAt).toBeGreaterThan(Date.now() + 100 * DAY);
    // The code is single-use.
    const again = await failure(oauth.exchangeCode(app, { code: query.code ?? "", query }));
    expect(again.code).toBe("unauthorized");
  });

  it("refuses a callback naming a company the grant was not given for", async () => {
    const { fake, app } = await setUp();
    const oauth = quickbooksConnector.oauth;
    if (!oauth) throw new Error("no oauth");
    const other = "123145678901234";
    fake.realm(other).companyName = "Someone Else's Books";
    const consent = await fetch(await oauth.authorizationUrl(app, { state: "st-9" }), { redirect: "manual" });
    const query = Object.fromEntries(new URL(consent.headers.get("location") ?? "").searchParams);
    expect(query.realmId).toBe(fake.realmId);
    // The realm id comes from the browser's URL: anyone can change it.
    const refused = await failure(oauth.exchangeCode(app, { code: query.code ?? "", query: { ...query, realmId: other } }));
    expect(refused.code).toBe("forbidden");
    expect(refused.message).toMatch(new RegExp(`did not confirm company ${other}`));
    expect(refused.issues).toEqual([expect.objectContaining({ path: "realmId" })]);
    expect(fake.count("forbidden", other)).toBe(1);
    expect(fake.count("companyinfo", other)).toBe(0);
  });

  it("declares oauth2 with Intuit's real endpoints and no PKCE", () => {
    expect(quickbooksConnector.auth).toEqual({
      type: "oauth2",
      authorizeUrl: "https://appcenter.intuit.com/connect/oauth2",
      tokenUrl: "https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer",
      revokeUrl: "https://developer.api.intuit.com/v2/oauth2/tokens/revoke",
      scopes: ["com.intuit.quickbooks.accounting"],
      pkce: false,
    });
  });

  it("revokes the grant", async () => {
    const { fake, app, tokens, plugin } = await setUp();
    await quickbooksOAuth.revoke(app, tokens.tokens);
    expect(fake.count("revoke")).toBe(1);
    expect((await failure(plugin.testConnection())).code).toBe("unauthorized");
  });
});

describe("full sync", () => {
  it("reads every entity's count and first page in one batch, then only the pages left, none empty", async () => {
    const h = await setUp();
    const { realm, customerIds } = seedLedger(h, 2500);
    const first = customerIds[0] as string;
    realm.addCreditMemo({ customerId: first, txnDate: "2024-01-20", amount: 30, updatedAt: daysAgo(59) });
    realm.addPayment({
      customerId: first,
      txnDate: "2024-01-21",
      invoices: [{ invoiceId: realm.list("Invoice")[0]?.Id as string, amount: 50 }],
      updatedAt: daysAgo(58),
    });
    const pages = await readAll(h.plugin);
    const invoices = pages.flatMap((page) => page.invoices);
    expect(pages.flatMap((page) => page.debtors)).toHaveLength(20);
    expect(new Set(invoices.map((invoice) => invoice.externalId)).size).toBe(2500);
    expect(invoices).toHaveLength(2500);
    expect(pages.flatMap((page) => page.creditNotes)).toHaveLength(1);
    expect(pages.flatMap((page) => page.payments)).toEqual([expect.objectContaining({ amountMinor: 5000, currency: "USD" })]);
    // batch (4 counts + 4 first pages + preferences): all customers, memos, payments and 1,000 invoices;
    // then the 2 invoice pages left.
    expect(h.fake.count("batch")).toBe(1);
    expect(h.fake.count("query")).toBe(2);
    expect(h.fake.apiCalls()).toBe(3);
    expect(pages).toHaveLength(3);
    expect(pages.slice(0, -1).every((page) => page.watermark === undefined)).toBe(true);
    expect(Date.parse(pages.at(-1)?.watermark ?? "")).toBeGreaterThan(Date.now() - 2 * 60_000);
    // Debtors come before the invoices that name them.
    expect(pages[0]?.debtors).toHaveLength(20);
  });

  it("reads 10,000 invoices in ceil(10000/1000) calls", async () => {
    const h = await setUp();
    seedLedger(h, 10_000, 50);
    const pages = await readAll(h.plugin);
    expect(new Set(pages.flatMap((page) => page.invoices).map((invoice) => invoice.externalId)).size).toBe(10_000);
    // 1 batch (counts, 50 customers, 1,000 invoices, preferences) + 9 invoice pages
    expect(h.fake.apiCalls()).toBe(10);
  });

  it("reads 10,000 invoices, 1,000 customers, 20 credit memos and 50 payments in 10 calls", async () => {
    const h = await setUp();
    const { realm, customerIds } = seedLedger(h, 10_000, 1000);
    const invoiceIds = realm.list("Invoice").map((invoice) => invoice.Id);
    const later = daysAgo(50);
    for (let index = 0; index < 20; index += 1) {
      realm.addCreditMemo({ customerId: customerIds[index] as string, txnDate: "2024-01-20", amount: 5, updatedAt: later });
    }
    for (let index = 0; index < 50; index += 1) {
      realm.addPayment({
        customerId: customerIds[index] as string,
        txnDate: "2024-01-21",
        invoices: [{ invoiceId: invoiceIds[index] as string, amount: 10 }],
        updatedAt: later,
      });
    }
    const pages = await readAll(h.plugin);
    const invoices = pages.flatMap((page) => page.invoices);
    expect(invoices).toHaveLength(10_000);
    expect(new Set(invoices.map((invoice) => invoice.externalId)).size).toBe(10_000);
    expect(new Set(pages.flatMap((page) => page.debtors).map((debtor) => debtor.externalId)).size).toBe(1000);
    expect(pages.flatMap((page) => page.creditNotes)).toHaveLength(20);
    expect(pages.flatMap((page) => page.payments)).toHaveLength(50);
    // The opening batch reads all 1,000 customers (count = one full page: no second page asked), the 20
    // memos, the 50 payments and the first 1,000 invoices; 9 invoice pages follow.
    expect(h.fake.count("batch")).toBe(1);
    expect(h.fake.count("query")).toBe(9);
    expect(h.fake.apiCalls()).toBe(10);
    expect(h.fake.calls.every((call) => call.status === 200)).toBe(true);
  });

  it("reads inactive customers and their invoices, tagged inactive, on a first sync and from an old watermark", async () => {
    const h = await setUp();
    const realm = h.fake.realm();
    // Made inactive 50 days ago, after the watermark of the second read: both reads must see it.
    const gone = realm.addCustomer({ displayName: "Gone Ltd", active: false, updatedAt: daysAgo(50) });
    const here = realm.addCustomer({ displayName: "Here Inc", updatedAt: daysAgo(50) });
    const owed = realm.addInvoice({ customerId: gone.Id, txnDate: "2024-01-15", amount: 50, updatedAt: daysAgo(45) });
    realm.addInvoice({ customerId: here.Id, txnDate: "2024-01-15", amount: 70, updatedAt: daysAgo(45) });
    for (const since of [undefined, daysAgo(55).toISOString()]) {
      const pages = await readAll(h.plugin, since);
      const debtors = pages.flatMap((page) => page.debtors);
      expect(debtors.map((debtor) => [debtor.externalId, debtor.tags])).toEqual([
        [gone.Id, ["inactive"]],
        [here.Id, []],
      ]);
      const invoices = pages.flatMap((page) => page.invoices);
      expect(invoices.find((invoice) => invoice.externalId === owed.Id)?.debtorExternalId).toBe(gone.Id);
      // Every invoice names a debtor of the same read: no orphan for the store to refuse.
      for (const invoice of invoices) expect(debtors.map((debtor) => debtor.externalId)).toContain(invoice.debtorExternalId);
    }
    // Both reads went by queries (no CDC): one opening batch call each.
    expect(h.fake.count("batch")).toBe(2);
    expect(h.fake.count("cdc")).toBe(0);
  });

  it("asks the minor version the app is set to", async () => {
    const h = await setUp();
    await h.plugin.testConnection();
    expect(h.fake.calls.at(-1)).toMatchObject({ endpoint: "companyinfo", minorVersion: "75" });
  });
});

describe("incremental sync", () => {
  it("reads changes since the watermark with one CDC call, deletions included", async () => {
    const h = await setUp();
    const { realm, customerIds } = seedLedger(h, 30);
    const pages = await readAll(h.plugin);
    const watermark = pages.at(-1)?.watermark ?? "";
    h.fake.resetCalls();

    const unchanged = await readAll(h.plugin, watermark);
    expect(h.fake.apiCalls()).toBe(1);
    expect(h.fake.count("cdc")).toBe(1);
    expect(unchanged[0]?.invoices).toEqual([]);
    h.fake.resetCalls();

    const invoice = realm.list("Invoice")[3]?.Id as string;
    realm.addPayment({
      customerId: customerIds[3] as string,
      txnDate: "2024-03-01",
      invoices: [{ invoiceId: invoice, amount: 40 }],
    });
    const doomed = realm.list("Invoice")[4]?.Id as string;
    realm.delete("Invoice", doomed);
    const [page] = await readAll(h.plugin, watermark);
    expect(h.fake.apiCalls()).toBe(1);
    expect(page?.invoices).toEqual([
      expect.objectContaining({ externalId: invoice, balanceMinor: 10300 - 4000, status: "open" }),
    ]);
    expect(page?.payments).toEqual([expect.objectContaining({ invoiceExternalId: invoice, amountMinor: 4000 })]);
    expect(page?.deletions).toEqual([{ kind: "invoice", externalId: doomed }]);
    expect(page?.watermark).toBeDefined();
  });

  it("falls back to queries when the watermark is older than CDC's 30 days", async () => {
    const h = await setUp();
    const { realm } = seedLedger(h, 10);
    const changed = realm.list("Invoice")[0]?.Id as string;
    realm.modify("Invoice", changed, { DueDate: "2024-03-31" }, daysAgo(35));
    const pages = await readAll(h.plugin, daysAgo(40).toISOString());
    expect(h.fake.count("cdc")).toBe(0);
    expect(h.fake.count("batch")).toBe(1);
    expect(pages.flatMap((page) => page.invoices)).toEqual([
      expect.objectContaining({ externalId: changed, dueDate: "2024-03-31" }),
    ]);
    // The opening batch read the one changed invoice (its page query holds the where clause): no page is left.
    expect(h.fake.count("query")).toBe(0);
  });

  it("falls back to queries when Intuit refuses the CDC window", async () => {
    // Intuit's clock is 3 days ahead of ours: a 29-day-old watermark is 32 days old for it.
    const h = await setUp({ now: () => new Date(Date.now() + 3 * DAY) });
    seedLedger(h, 5, 2);
    const pages = await readAll(h.plugin, daysAgo(29).toISOString());
    expect(h.fake.calls.find((call) => call.endpoint === "cdc")?.status).toBe(400);
    expect(h.fake.count("batch")).toBe(1);
    expect(pages.at(-1)?.watermark).toBeDefined();
  });

  it("reads an entity by queries when CDC returns its 1,000-record cap", async () => {
    const h = await setUp();
    const realm = h.fake.realm();
    const customer = realm.addCustomer({ displayName: "Big buyer" });
    for (let index = 0; index < 1200; index += 1)
      realm.addInvoice({ customerId: customer.Id, txnDate: "2024-05-01", amount: 10 });
    const pages = await readAll(h.plugin, daysAgo(1).toISOString());
    expect(h.fake.count("cdc")).toBe(1);
    expect(pages[0]?.debtors.map((debtor) => debtor.name)).toEqual(["Big buyer"]);
    expect(new Set(pages.flatMap((page) => page.invoices).map((invoice) => invoice.externalId)).size).toBe(1200);
    // The opening batch of the query phase reads the first 1,000 invoices; one page reads the 200 left.
    expect(h.fake.count("batch")).toBe(1);
    expect(h.fake.count("query")).toBe(1);
    expect(pages.flatMap((page) => page.invoices)).toHaveLength(1200);
  });
});

describe("failures", () => {
  it("maps Intuit's throttle to rate_limited", async () => {
    const h = await setUp({ requestsPerWindow: 2 });
    await h.plugin.testConnection();
    await h.plugin.testConnection();
    const error = await failure(h.plugin.testConnection());
    expect(error).toMatchObject({ code: "rate_limited", retryable: true, retryAfterMs: 60_000 });
  });

  it("counts concurrent requests per company", async () => {
    const h = await setUp({ maxConcurrent: 1, latencyMs: 150, retryAfterSeconds: 2 });
    const results = await Promise.allSettled([h.plugin.testConnection(), h.plugin.testConnection()]);
    const refused = results.filter((result) => result.status === "rejected");
    expect(refused).toHaveLength(1);
    expect((refused[0] as PromiseRejectedResult).reason).toMatchObject({ code: "rate_limited", retryAfterMs: 2000 });
  });

  it("refreshes an expired access token through the TokenProvider and carries on", async () => {
    const h = await setUp();
    seedLedger(h, 3, 1);
    h.fake.expireAccessTokens();
    const pages = await readAll(h.plugin);
    expect(pages.flatMap((page) => page.invoices)).toHaveLength(3);
    expect(h.tokens.rejections).toBe(1);
    expect(h.fake.refreshCalls).toBe(1);
    expect(h.fake.count("unauthorized")).toBe(1);
  });

  it("says unauthorized when the grant is gone", async () => {
    const h = await setUp();
    h.fake.expireAccessTokens();
    h.fake.revokeGrant();
    const error = await failure(h.plugin.listChanges({}));
    expect(error).toMatchObject({ code: "unauthorized", retryable: false });
  });

  it("refuses a refresh token already rotated", async () => {
    const h = await setUp();
    const before = h.tokens.tokens;
    const after = await quickbooksOAuth.refresh(h.app, before);
    expect(after.refreshToken).not.toBe(before.refreshToken);
    expect(after.refreshTokenExpiresAt).toBeDefined();
    const error = await failure(quickbooksOAuth.refresh(h.app, before));
    expect(error).toMatchObject({ code: "unauthorized", retryable: false });
  });

  it("retries a refresh that could not reach Intuit", async () => {
    const h = await setUp();
    const app = { ...appFor(h.fake), oauthBaseUrl: "http://127.0.0.1:9" };
    expect(await failure(quickbooksOAuth.refresh(app, h.tokens.tokens))).toMatchObject({
      code: "provider_unavailable",
      retryable: true,
    });
  });

  it("maps server errors to provider_unavailable and Faults to provider_rejected", async () => {
    const h = await setUp();
    h.fake.failNext(503);
    expect(await failure(h.plugin.testConnection())).toMatchObject({ code: "provider_unavailable", retryable: true });
    const writer = await h.connect();
    const error = await failure(
      writer.writeBack?.addInvoiceNote?.("4040", "hello", { idempotencyKey: "k" }) ?? Promise.resolve(),
    );
    expect(error.code).toBe("provider_rejected");
    expect(error.message).toMatch(/Object Not Found/);
  });
});

describe("webhooks", () => {
  const receive = (h: Harness, headers: Record<string, string>, body: string) =>
    quickbooksConnector.webhooks?.receive(h.app, { headers, rawBody: new TextEncoder().encode(body), receivedAt: new Date() });

  it("verifies the signature and maps CloudEvents to ledger changes", async () => {
    const h = await setUp();
    const delivery = h.fake.webhook([
      { entity: "invoice", id: "239", eventId: "ev-1", time: new Date("2026-03-01T10:00:00Z") },
      { entity: "customer", id: "1", operation: "created", eventId: "ev-2" },
      { entity: "payment", id: "120", operation: "deleted", eventId: "ev-3", realmId: "123146" },
      { entity: "creditmemo", id: "73", eventId: "ev-4" },
      { entity: "estimate", id: "9", eventId: "ev-5" },
    ]);
    const changes = (await receive(
      h,
      { "Intuit-Signature": delivery.headers["intuit-signature"] ?? "" },
      delivery.body,
    )) as LedgerChange[];
    expect(changes).toEqual([
      {
        providerEventId: "ev-1",
        accountId: h.fake.realmId,
        kind: "invoice",
        externalId: "239",
        occurredAt: new Date("2026-03-01T10:00:00Z"),
      },
      expect.objectContaining({ providerEventId: "ev-2", kind: "contact", externalId: "1" }),
      expect.objectContaining({ providerEventId: "ev-3", accountId: "123146", kind: "payment", externalId: "120" }),
      expect.objectContaining({ providerEventId: "ev-4", kind: "credit_note", externalId: "73" }),
    ]);
  });

  it("refuses a forged or unsigned delivery, and everything when no verifier token is set", async () => {
    const h = await setUp();
    const delivery = h.fake.webhook([{ entity: "invoice", id: "239" }]);
    const forged = delivery.body.replace("239", "240");
    expect(() => receive(h, delivery.headers, forged)).toThrow(expect.objectContaining({ code: "unauthorized" }));
    expect(() => receive(h, { "intuit-signature": "c2hvcnQ=" }, delivery.body)).toThrow(
      expect.objectContaining({ code: "unauthorized" }),
    );
    expect(() => receive(h, {}, delivery.body)).toThrow(expect.objectContaining({ code: "unauthorized" }));
    const withoutToken = { ...h.app, webhookVerifierToken: undefined };
    expect(() =>
      quickbooksConnector.webhooks?.receive(withoutToken, {
        headers: delivery.headers,
        rawBody: new TextEncoder().encode(delivery.body),
        receivedAt: new Date(),
      }),
    ).toThrow(expect.objectContaining({ code: "unauthorized" }));
  });

  it("reads the legacy eventNotifications format", async () => {
    const h = await setUp();
    const body = JSON.stringify({
      eventNotifications: [
        {
          realmId: "1185883450",
          dataChangeEvent: {
            entities: [{ name: "Invoice", id: "130", operation: "Update", lastUpdated: "2015-10-05T14:42:19-0700" }],
          },
        },
      ],
    });
    const changes = (await receive(h, { "intuit-signature": h.fake.sign(body) }, body)) as LedgerChange[];
    expect(changes).toEqual([
      expect.objectContaining({
        accountId: "1185883450",
        kind: "invoice",
        externalId: "130",
        providerEventId: "1185883450:Invoice:130:Update:2015-10-05T14:42:19-0700",
      }),
    ]);
  });
});

describe("fetchChanged", () => {
  it("reads the named records and the customers they name, and reports missing ones as deleted", async () => {
    const h = await setUp();
    const realm = h.fake.realm();
    const alice = realm.addCustomer({ displayName: "Alice", email: "alice@example.com" });
    const bob = realm.addCustomer({ displayName: "Bob" });
    const invoice = realm.addInvoice({ customerId: alice.Id, txnDate: "2024-02-01", amount: 80 });
    const page = (await h.plugin.fetchChanged?.([
      { providerEventId: "e1", accountId: h.fake.realmId, kind: "invoice", externalId: invoice.Id },
      { providerEventId: "e2", accountId: h.fake.realmId, kind: "contact", externalId: bob.Id },
      { providerEventId: "e3", accountId: h.fake.realmId, kind: "payment", externalId: "9999" },
    ])) as QuickBooksChangePage;
    expect(page.invoices.map((record) => record.externalId)).toEqual([invoice.Id]);
    expect(page.debtors.map((debtor) => debtor.name).sort()).toEqual(["Alice", "Bob"]);
    expect(page.deletions).toEqual([{ kind: "payment", externalId: "9999" }]);
    expect(h.fake.count("batch")).toBe(2);
    expect(h.fake.calls.find((call) => call.endpoint === "batch")?.status).toBe(200);
  });
});

describe("fetchChanged, what QuickBooks answered", () => {
  it("reads an inactive customer, asked for or named by an invoice, and never reports it deleted", async () => {
    const h = await setUp();
    const realm = h.fake.realm();
    const gone = realm.addCustomer({ displayName: "Gone Ltd", active: false });
    const invoice = realm.addInvoice({ customerId: gone.Id, txnDate: "2024-02-01", amount: 80 });
    const named = (await h.plugin.fetchChanged?.([
      { providerEventId: "e1", accountId: h.fake.realmId, kind: "invoice", externalId: invoice.Id },
    ])) as QuickBooksChangePage;
    expect(named.invoices.map((record) => record.debtorExternalId)).toEqual([gone.Id]);
    expect(named.debtors.map((debtor) => [debtor.externalId, debtor.tags])).toEqual([[gone.Id, ["inactive"]]]);
    expect(named.deletions).toEqual([]);
    const asked = (await h.plugin.fetchChanged?.([
      { providerEventId: "e2", accountId: h.fake.realmId, kind: "contact", externalId: gone.Id },
    ])) as QuickBooksChangePage;
    expect(asked.debtors.map((debtor) => [debtor.externalId, debtor.tags])).toEqual([[gone.Id, ["inactive"]]]);
    expect(asked.deletions).toEqual([]);
  });

  it("counts a record QuickBooks returned but that fails the schema or the mapping as seen, not deleted", async () => {
    const h = await setUp();
    const realm = h.fake.realm();
    const alice = realm.addCustomer({ displayName: "Alice" });
    const unreadable = realm.addInvoice({ customerId: alice.Id, txnDate: "2024-02-01", amount: 80 });
    const unmappable = realm.addInvoice({ customerId: alice.Id, txnDate: "2024-02-01", amount: 90 });
    const fine = realm.addInvoice({ customerId: alice.Id, txnDate: "2024-02-01", amount: 100 });
    // An amount as a string fails the schema; a date that is no calendar date fails the mapping.
    realm.modify("Invoice", unreadable.Id, { TotalAmt: "80.00" });
    realm.modify("Invoice", unmappable.Id, { TxnDate: "01/02/2024" });
    const page = (await h.plugin.fetchChanged?.(
      [unreadable.Id, unmappable.Id, fine.Id, "9999"].map((externalId, index) => ({
        providerEventId: `e${index}`,
        accountId: h.fake.realmId,
        kind: "invoice" as const,
        externalId,
      })),
    )) as QuickBooksChangePage;
    expect(page.invoices.map((record) => record.externalId)).toEqual([fine.Id]);
    // Only the one QuickBooks did not answer at all is deleted.
    expect(page.deletions).toEqual([{ kind: "invoice", externalId: "9999" }]);
  });
});

describe("write-back", () => {
  it("appends a dated note to the invoice's private note, once per idempotency key", async () => {
    const h = await setUp();
    const realm = h.fake.realm();
    const customer = realm.addCustomer({ displayName: "Alice" });
    const invoice = realm.addInvoice({ customerId: customer.Id, txnDate: "2024-02-01", amount: 80, privateNote: "Imported" });
    const note = h.plugin.writeBack?.addInvoiceNote;
    if (!note) throw new Error("no addInvoiceNote");
    await note(invoice.Id, "Reminder 1 sent by email", { idempotencyKey: "debtor:t:c:1:step-1" });
    await note(invoice.Id, "Reminder 1 sent by email", { idempotencyKey: "debtor:t:c:1:step-1" });
    const stored = realm.get("Invoice", invoice.Id);
    const today = new Date().toISOString().slice(0, 10);
    expect(stored?.PrivateNote).toBe(`Imported\n${today} Reminder 1 sent by email`);
    expect(stored?.SyncToken).toBe("1");
    expect(h.fake.count("invoice.update")).toBe(1);
    expect(h.fake.count("replayed")).toBe(1);
    const updates = h.fake.calls.filter((call) => call.requestId !== undefined);
    expect(updates.map((call) => call.requestId)).toEqual([
      requestIdOf("debtor:t:c:1:step-1"),
      requestIdOf("debtor:t:c:1:step-1"),
    ]);
  });

  it("creates credit memos and late-fee invoices only when switched on", async () => {
    const h = await setUp({}, { writeBack: { creditNotes: true, lateFees: true }, lateFeeItemId: "21" });
    const realm = h.fake.realm();
    const customer = realm.addCustomer({ displayName: "Alice" });
    const invoice = realm.addInvoice({ customerId: customer.Id, txnDate: "2024-02-01", amount: 80 });
    const writeBack = h.plugin.writeBack;
    const creditId = await writeBack?.createCreditNote?.(
      invoice.Id,
      { amountMinor: 2550, currency: "USD" },
      "Dispute: damaged goods",
      {
        idempotencyKey: "dispute-1",
      },
    );
    expect(realm.get("CreditMemo", creditId ?? "")).toMatchObject({ TotalAmt: 25.5, CustomerRef: { value: customer.Id } });
    const feeId = await writeBack?.createLateFeeInvoice?.(
      customer.Id,
      { amountMinor: 4000, currency: "USD" },
      "2024-04-30",
      "Late fee",
      {
        idempotencyKey: "fee-1",
      },
    );
    const again = await writeBack?.createLateFeeInvoice?.(
      customer.Id,
      { amountMinor: 4000, currency: "USD" },
      "2024-04-30",
      "Late fee",
      {
        idempotencyKey: "fee-1",
      },
    );
    expect(again).toBe(feeId);
    expect(realm.get("Invoice", feeId ?? "")).toMatchObject({
      TotalAmt: 40,
      DueDate: "2024-04-30",
      Line: [expect.objectContaining({ SalesItemLineDetail: expect.objectContaining({ ItemRef: { value: "21" } }) })],
    });
    expect(realm.list("Invoice")).toHaveLength(2);

    const off = await h.connect({ writeBack: { notes: false } });
    const refused = await failure(off.writeBack?.addInvoiceNote?.(invoice.Id, "x", { idempotencyKey: "n" }) ?? Promise.resolve());
    expect(refused.code).toBe("forbidden");
    expect(refused.message).toMatch(/writeBack\.notes/);
    expect(refused.issues).toEqual([{ path: "writeBack.notes", message: "switched off for this connection" }]);
    const noFees = await h.connect({ writeBack: {} });
    expect(
      (
        await failure(
          noFees.writeBack?.createLateFeeInvoice?.(customer.Id, { amountMinor: 1, currency: "USD" }, "2024-04-30", "x", {
            idempotencyKey: "f",
          }) ?? Promise.resolve(),
        )
      ).message,
    ).toMatch(/writeBack\.lateFees/);
  });

  it("tells a write-back switched off from a 403 of QuickBooks by its issue", async () => {
    const h = await setUp({}, { writeBack: { creditNotes: true } });
    const realm = h.fake.realm();
    const customer = realm.addCustomer({ displayName: "Alice" });
    const invoice = realm.addInvoice({ customerId: customer.Id, txnDate: "2024-02-01", amount: 80 });
    const switchedOff = (error: RelanceError) => error.issues.some((issue) => issue.path?.startsWith("writeBack."));

    const off = await h.connect({ writeBack: { creditNotes: false } });
    const ours = await failure(
      off.writeBack?.createCreditNote?.(invoice.Id, { amountMinor: 100, currency: "USD" }, "x", { idempotencyKey: "c1" }) ??
        Promise.resolve(),
    );
    expect(ours.code).toBe("forbidden");
    expect(ours.issues).toEqual([{ path: "writeBack.creditNotes", message: "switched off for this connection" }]);
    expect(h.fake.apiCalls()).toBe(0);

    // Switched on, but the tokens are another company's: QuickBooks answers 403.
    const elsewhere = await h.connect({ realmId: "123145678901234", writeBack: { creditNotes: true } });
    const theirs = await failure(
      elsewhere.writeBack?.createCreditNote?.(invoice.Id, { amountMinor: 100, currency: "USD" }, "x", {
        idempotencyKey: "c2",
      }) ?? Promise.resolve(),
    );
    expect(h.fake.count("forbidden")).toBe(1);
    expect(theirs.code).toBe("forbidden");
    expect(switchedOff(theirs)).toBe(false);
    expect(switchedOff(ours)).toBe(true);
  });
});
