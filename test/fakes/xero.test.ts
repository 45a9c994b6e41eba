import { createHmac } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type FakeXero, startFakeXero } from "./xero";

let fake: FakeXero;
let now = Date.parse("2025-03-01T10:00:00Z");
let token = "";

beforeEach(async () => {
  now = Date.parse("2025-03-01T10:00:00Z");
  fake = await startFakeXero({ now: () => new Date(now), limits: { perMinute: 5 } });
  token = fake.connect().access_token;
});

afterEach(async () => {
  await fake.close();
});

const tenant = () => fake.organisations[0]!.tenantId;

function api(path: string, init: RequestInit & { headers?: Record<string, string> } = {}) {
  return fetch(`${fake.apiBaseUrl}/api.xro/2.0${path}`, {
    ...init,
    headers: { Authorization: `Bearer ${token}`, "xero-tenant-id": tenant(), Accept: "application/json", ...init.headers },
  });
}

describe("fake Xero", () => {
  it("pages invoices in PascalCase with /Date()/ stamps, filters and If-Modified-Since", async () => {
    const ledger = fake.ledger();
    const contact = ledger.addContact({ name: "Alice" });
    for (let index = 0; index < 3; index++) {
      now += 1000;
      ledger.addInvoice({ contactId: contact.contactId, total: "10.50", date: "2025-01-01" });
    }
    const cutoff = new Date(now - 500).toISOString();
    const page = (await (
      await api("/Invoices?page=1&pageSize=2&order=UpdatedDateUTC%20ASC&where=Type%3D%3D%22ACCREC%22")
    ).json()) as {
      pagination: unknown;
      Invoices: { InvoiceID: string; Total: number; UpdatedDateUTC: string; Date: string }[];
    };
    expect(page.pagination).toEqual({ page: 1, pageSize: 2, pageCount: 2, itemCount: 3 });
    expect(page.Invoices[0]).toMatchObject({ Total: 10.5, Date: "/Date(1735689600000+0000)/" });
    expect(page.Invoices[0]!.UpdatedDateUTC).toMatch(/^\/Date\(\d+\+0000\)\/$/);
    const since = (await (await api("/Invoices?page=1", { headers: { "If-Modified-Since": cutoff } })).json()) as {
      Invoices: unknown[];
    };
    expect(since.Invoices).toHaveLength(1);
    const paid = (await (await api("/Invoices?Statuses=PAID")).json()) as { Invoices: unknown[] };
    expect(paid.Invoices).toHaveLength(0);
  });

  it("limits calls per minute with Xero's headers, and refuses unknown or expired tokens", async () => {
    const answers = [];
    for (let index = 0; index < 6; index++) answers.push(await api("/Organisation"));
    expect(answers.slice(0, 5).map((answer) => answer.headers.get("x-minlimit-remaining"))).toEqual(["4", "3", "2", "1", "0"]);
    expect(answers[5]!.status).toBe(429);
    expect(answers[5]!.headers.get("x-rate-limit-problem")).toBe("minute");
    expect(Number(answers[5]!.headers.get("retry-after"))).toBeGreaterThan(0);
    now += 61_000;
    expect((await api("/Organisation")).status).toBe(200);
    fake.expireAccessTokens();
    const expired = await api("/Organisation");
    expect(expired.status).toBe(401);
    expect(await expired.json()).toMatchObject({ Title: "Unauthorized", Status: 401 });
  });

  it("replays an Idempotency-Key instead of writing twice, and signs webhooks with the key", async () => {
    const ledger = fake.ledger();
    const invoice = ledger.addInvoice({ contactId: ledger.addContact({ name: "A" }).contactId, total: 1, date: "2025-01-01" });
    const put = () =>
      api(`/Invoices/${invoice.invoiceId}/History`, {
        method: "PUT",
        headers: { "Idempotency-Key": "k-1", "Content-Type": "application/json" },
        body: JSON.stringify({ HistoryRecords: [{ Details: "Called the client" }] }),
      });
    expect((await put()).status).toBe(200);
    expect((await put()).status).toBe(200);
    expect(ledger.history).toHaveLength(1);
    const delivery = fake.webhook([{ category: "INVOICE", resourceId: invoice.invoiceId, tenantId: tenant() }]);
    expect(delivery.headers["x-xero-signature"]).toBe(
      createHmac("sha256", fake.webhookKey).update(delivery.body).digest("base64"),
    );
    expect(JSON.parse(delivery.body).events[0]).toMatchObject({ eventCategory: "INVOICE", tenantType: "ORGANISATION" });
  });
});
