import { createHmac } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type FakeQuickBooks, startFakeQuickBooks } from "./quickbooks";

let fake: FakeQuickBooks;
let token: string;

beforeEach(async () => {
  fake = await startFakeQuickBooks({ requestsPerWindow: 50 });
  token = fake.issueTokens().access_token;
});

afterEach(async () => {
  await fake.close();
});

/** Parsed JSON, as loosely typed as JSON.parse's own result: these tests assert its shape. */
const json = async (response: Response): Promise<ReturnType<typeof JSON.parse>> => response.json();

const basic = () => `Basic ${Buffer.from(`${fake.clientId}:${fake.clientSecret}`).toString("base64")}`;

function api(path: string, init: RequestInit = {}, bearer = token) {
  return fetch(`${fake.apiBaseUrl}/v3/company/${fake.realmId}/${path}`, {
    ...init,
    headers: {
      Authorization: `Bearer ${bearer}`,
      Accept: "application/json",
      "Content-Type": "application/json",
      ...init.headers,
    },
  });
}

const query = (text: string) => api(`query?query=${encodeURIComponent(text)}&minorversion=75`);

function tokenRequest(form: Record<string, string>) {
  return fetch(`${fake.oauthBaseUrl}/oauth2/v1/tokens/bearer`, {
    method: "POST",
    headers: { Authorization: basic(), "Content-Type": "application/x-www-form-urlencoded", Accept: "application/json" },
    body: new URLSearchParams(form).toString(),
  });
}

describe("fake Intuit accounting API", () => {
  it("answers queries with Intuit's QueryResponse, paging and counts", async () => {
    const realm = fake.realm();
    const customer = realm.addCustomer({ displayName: "Amy's Bird Sanctuary", email: "a@b.example, c@d.example" });
    for (let index = 0; index < 5; index += 1) {
      realm.addInvoice({
        customerId: customer.Id,
        txnDate: "2024-01-01",
        amount: 10 + index,
        updatedAt: new Date(Date.UTC(2024, 0, 1 + index)),
      });
    }
    const page = await json(
      await query(
        "select * from Invoice where MetaData.LastUpdatedTime >= '2024-01-02T00:00:00Z' orderby MetaData.LastUpdatedTime startposition 2 maxresults 2",
      ),
    );
    expect(page.QueryResponse.startPosition).toBe(2);
    expect(page.QueryResponse.maxResults).toBe(2);
    expect(page.QueryResponse.Invoice.map((invoice: { TotalAmt: number }) => invoice.TotalAmt)).toEqual([12, 13]);
    expect(page.QueryResponse.Invoice[0]).toMatchObject({
      CustomerRef: { value: customer.Id },
      MetaData: { LastUpdatedTime: expect.stringMatching(/-07:00$/) },
    });
    expect(page.time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}-07:00$/);
    const count = await json(await query("select count(*) from invoice where Id in ('2', '3', '99')"));
    expect(count.QueryResponse).toEqual({ totalCount: 2 });
    const none = await json(await query("select * from CreditMemo"));
    expect(none.QueryResponse).toEqual({});
    const tooMany = await query("select * from Invoice maxresults 1001");
    expect(tooMany.status).toBe(400);
    expect((await json(tooMany)).Fault.type).toBe("ValidationFault");
  });

  it("answers Customer queries with active customers only unless the query filters on Active", async () => {
    const realm = fake.realm();
    const active = realm.addCustomer({ displayName: "Active" });
    const inactive = realm.addCustomer({ displayName: "Gone", active: false });
    const ids = async (text: string) => {
      const body = await json(await query(text));
      return (body.QueryResponse.Customer ?? []).map((customer: { Id: string }) => customer.Id);
    };
    expect(await ids("select * from Customer")).toEqual([active.Id]);
    expect(await ids(`select * from Customer where Id in ('${inactive.Id}')`)).toEqual([]);
    expect(await ids("select * from Customer where Active IN (true, false)")).toEqual([active.Id, inactive.Id]);
    expect(await ids("select * from Customer where Active = false")).toEqual([inactive.Id]);
    expect((await json(await query("select count(*) from Customer"))).QueryResponse).toEqual({ totalCount: 1 });
    expect((await json(await query("select count(*) from Customer where Active in (true,false)"))).QueryResponse).toEqual({
      totalCount: 2,
    });
    // A read by id and change data capture return the inactive customer as it is.
    expect((await json(await api(`customer/${inactive.Id}`))).Customer.Active).toBe(false);
    const since = new Date(Date.now() - 60_000).toISOString();
    const cdc = await json(await api(`cdc?entities=Customer&changedSince=${since}`));
    expect(cdc.CDCResponse[0].QueryResponse[0].Customer).toHaveLength(2);
  });

  it("refuses a token on a company it was not issued for", async () => {
    const other = fake.issueTokens("123145678901234").access_token;
    const refused = await api("companyinfo/1", {}, other);
    expect(refused.status).toBe(403);
    expect((await json(refused)).Fault.type).toBe("AuthorizationFault");
    expect(fake.count("forbidden")).toBe(1);
  });

  it("answers change data capture with deleted records and refuses more than 30 days", async () => {
    const realm = fake.realm();
    const customer = realm.addCustomer({ displayName: "A" });
    const invoice = realm.addInvoice({ customerId: customer.Id, txnDate: "2024-01-01", amount: 10 });
    realm.delete("Invoice", invoice.Id);
    const since = new Date(Date.now() - 60_000).toISOString();
    const body = await json(await api(`cdc?entities=Customer,Invoice,Payment&changedSince=${since}`));
    const groups = body.CDCResponse[0].QueryResponse;
    expect(groups[0].Customer[0].Id).toBe(customer.Id);
    expect(groups[1].Invoice).toEqual([
      { domain: "QBO", status: "Deleted", Id: invoice.Id, MetaData: { LastUpdatedTime: expect.any(String) } },
    ]);
    expect(groups[2]).toEqual({});
    const old = await api(`cdc?entities=Invoice&changedSince=${new Date(Date.now() - 31 * 86_400_000).toISOString()}`);
    expect(old.status).toBe(400);
    expect((await json(old)).Fault.Error[0].Detail).toMatch(/older than fixed days is not supported/);
  });

  it("runs batch queries", async () => {
    fake.realm().addCustomer({ displayName: "A" });
    const body = await json(
      await api("batch", {
        method: "POST",
        body: JSON.stringify({
          BatchItemRequest: [
            { bId: "1", Query: "select count(*) from Customer" },
            { bId: "2", Query: "select * from Preferences" },
          ],
        }),
      }),
    );
    expect(body.BatchItemResponse).toEqual([
      { bId: "1", QueryResponse: { totalCount: 1 } },
      {
        bId: "2",
        QueryResponse: expect.objectContaining({
          Preferences: [
            expect.objectContaining({ CurrencyPrefs: { MultiCurrencyEnabled: false, HomeCurrency: { value: "USD" } } }),
          ],
        }),
      },
    ]);
    expect(fake.count("batch")).toBe(1);
  });

  it("checks SyncToken on sparse updates and replays a repeated requestid", async () => {
    const realm = fake.realm();
    const customer = realm.addCustomer({ displayName: "A" });
    const invoice = realm.addInvoice({ customerId: customer.Id, txnDate: "2024-01-01", amount: 10 });
    const update = (syncToken: string, requestId: string) =>
      api(`invoice?operation=update&requestid=${requestId}`, {
        method: "POST",
        body: JSON.stringify({ Id: invoice.Id, SyncToken: syncToken, sparse: true, PrivateNote: "hello" }),
      });
    const first = await update("0", "r1");
    expect(first.status).toBe(200);
    expect((await json(first)).Invoice).toMatchObject({ SyncToken: "1", PrivateNote: "hello", TotalAmt: 10 });
    expect((await json(await update("0", "r1"))).Invoice.SyncToken).toBe("1");
    expect(fake.count("replayed")).toBe(1);
    const stale = await update("0", "r2");
    expect(stale.status).toBe(400);
    expect((await json(stale)).Fault.Error[0]).toMatchObject({ code: "5010", Message: "Stale Object Error" });
    const created = await api("creditmemo?requestid=c1", {
      method: "POST",
      body: JSON.stringify({
        CustomerRef: { value: customer.Id },
        Line: [{ Amount: 5, DetailType: "SalesItemLineDetail", SalesItemLineDetail: { ItemRef: { value: "1" } } }],
      }),
    });
    expect((await json(created)).CreditMemo).toMatchObject({ TotalAmt: 5, Balance: 5 });
    expect(realm.list("CreditMemo")).toHaveLength(1);
  });

  it("applies payments and voids like QuickBooks", () => {
    const realm = fake.realm();
    const customer = realm.addCustomer({ displayName: "A" });
    const invoice = realm.addInvoice({ customerId: customer.Id, txnDate: "2024-01-01", amount: 100 });
    const memo = realm.addCreditMemo({ customerId: customer.Id, txnDate: "2024-01-02", amount: 30 });
    const payment = realm.addPayment({
      customerId: customer.Id,
      txnDate: "2024-01-03",
      invoices: [{ invoiceId: invoice.Id, amount: 50 }],
      creditMemos: [{ creditMemoId: memo.Id, amount: 30 }],
    });
    expect(payment.TotalAmt).toBe(20);
    expect(realm.get("Invoice", invoice.Id)).toMatchObject({
      Balance: 50,
      SyncToken: "1",
      LinkedTxn: [{ TxnId: payment.Id, TxnType: "Payment" }],
    });
    expect(realm.get("CreditMemo", memo.Id)).toMatchObject({ Balance: 0, RemainingCredit: 0 });
    expect(realm.voidTransaction("Invoice", invoice.Id)).toMatchObject({ TotalAmt: 0, Balance: 0, PrivateNote: "Voided" });
  });

  it("refuses expired tokens with Intuit's AuthenticationFailed fault", async () => {
    fake.expireAccessTokens();
    const response = await api("companyinfo/1");
    expect(response.status).toBe(401);
    expect((await json(response)).fault.error[0].message).toBe("message=AuthenticationFailed; errorCode=003200; statusCode=401");
    expect(fake.count("unauthorized")).toBe(1);
  });

  it("throttles per realm with a ThrottleExceeded fault", async () => {
    const limited = await startFakeQuickBooks({ requestsPerWindow: 1 });
    const access = limited.issueTokens().access_token;
    const call = () =>
      fetch(`${limited.apiBaseUrl}/v3/company/${limited.realmId}/preferences`, {
        headers: { Authorization: `Bearer ${access}` },
      });
    expect((await call()).status).toBe(200);
    const refused = await call();
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).toBeNull();
    expect((await json(refused)).Fault.Error[0]).toMatchObject({
      code: "003001",
      Message: expect.stringContaining("ThrottleExceeded"),
    });
    await limited.close();
  });
});

describe("fake Intuit OAuth", () => {
  it("validates the authorize request and redirects with code, state and realmId", async () => {
    const url = new URL(`${fake.oauthBaseUrl}/connect/oauth2`);
    url.search = new URLSearchParams({
      client_id: fake.clientId,
      response_type: "code",
      scope: "com.intuit.quickbooks.accounting",
      redirect_uri: "https://app.example/callback",
      state: "s1",
    }).toString();
    const consent = await fetch(url, { redirect: "manual" });
    expect(consent.status).toBe(302);
    const location = new URL(consent.headers.get("location") ?? "");
    expect(location.searchParams.get("realmId")).toBe(fake.realmId);
    expect(location.searchParams.get("state")).toBe("s1");
    url.searchParams.set("client_id", "someone-else");
    expect((await fetch(url, { redirect: "manual" })).status).toBe(400);

    const code = location.searchParams.get("code") ?? "";
    const wrongRedirect = await tokenRequest({
      grant_type: "authorization_code",
      code,
      redirect_uri: "https://elsewhere.example/",
    });
    expect(await json(wrongRedirect)).toEqual({ error: "invalid_grant" });
  });

  it("rotates refresh tokens and refuses the old one", async () => {
    const first = fake.issueTokens();
    const refreshed = await json(await tokenRequest({ grant_type: "refresh_token", refresh_token: first.refresh_token }));
    expect(refreshed).toMatchObject({ token_type: "bearer", expires_in: 3600, x_refresh_token_expires_in: 8_726_400 });
    expect(refreshed.refresh_token).not.toBe(first.refresh_token);
    const reused = await tokenRequest({ grant_type: "refresh_token", refresh_token: first.refresh_token });
    expect(reused.status).toBe(400);
    expect(await json(reused)).toEqual({ error: "invalid_grant" });
    expect(fake.refreshCalls).toBe(2);
    const badClient = await fetch(`${fake.oauthBaseUrl}/oauth2/v1/tokens/bearer`, {
      method: "POST",
      headers: { Authorization: "Basic eDp5", "Content-Type": "application/x-www-form-urlencoded" },
      body: "grant_type=refresh_token&refresh_token=x",
    });
    expect(badClient.status).toBe(401);
  });

  it("revokes a grant: its tokens stop working", async () => {
    const tokens = fake.issueTokens();
    const revoked = await fetch(`${fake.oauthBaseUrl}/v2/oauth2/tokens/revoke`, {
      method: "POST",
      headers: { Authorization: basic(), "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify({ token: tokens.refresh_token }),
    });
    expect(revoked.status).toBe(200);
    expect((await api("preferences", {}, tokens.access_token)).status).toBe(401);
  });
});

describe("fake Intuit webhooks", () => {
  it("signs CloudEvents deliveries with the verifier token", () => {
    const delivery = fake.webhook([{ entity: "invoice", id: "239", eventId: "e1" }]);
    const expected = createHmac("sha256", fake.verifierToken).update(delivery.body).digest("base64");
    expect(delivery.headers["intuit-signature"]).toBe(expected);
    expect(JSON.parse(delivery.body)).toEqual([
      expect.objectContaining({
        specversion: "1.0",
        id: "e1",
        type: "qbo.invoice.updated.v1",
        datacontenttype: "application/json",
        intuitentityid: "239",
        intuitaccountid: fake.realmId,
      }),
    ]);
  });
});
