import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type FakeLedger, type FakeXero, startFakeXero } from "../../../test/fakes/xero";
import { connect, drain } from "./harness";

let fake: FakeXero;
let now = Date.parse("2025-03-01T10:00:00Z");
const clock = () => new Date(now);

beforeEach(async () => {
  now = Date.parse("2025-03-01T10:00:00Z");
  fake = await startFakeXero({ now: clock, limits: { perMinute: 1000 } });
});

afterEach(async () => {
  await fake.close();
});

function seed(ledger: FakeLedger, invoices: number, contacts: number) {
  const ids = Array.from(
    { length: contacts },
    (_, index) => ledger.addContact({ name: `Client ${index}`, email: `c${index}@client.example` }).contactId,
  );
  for (let index = 0; index < invoices; index++) {
    now += 1;
    ledger.addInvoice({
      contactId: ids[index % contacts]!,
      total: "100.10",
      date: "2025-01-15",
      dueDate: "2025-02-14",
      currency: "EUR",
    });
  }
  return ids;
}

const invoiceCalls = () => fake.apiCalls().filter((call) => call.path === "/api.xro/2.0/Invoices").length;

describe("listChanges", () => {
  it("reads a full ledger in ceil(invoices / 1000) + 2 calls, contacts first", async () => {
    const ledger = fake.ledger();
    const contactIds = seed(ledger, 2500, 300);
    ledger.pay(ledger.invoices.values().next().value!.invoiceId, "40.05");
    const note = ledger.addCreditNote({ contactId: contactIds[0]!, total: "10", date: "2025-01-20", currency: "EUR" });
    const invoice = [...ledger.invoices.values()][5]!;
    ledger.allocate(note.creditNoteId, invoice.invoiceId, "10");
    now += 60_000;
    const { plugin } = await connect(fake, { now: clock });
    const first = await plugin.listChanges({});
    expect(first.debtors).toHaveLength(300);
    expect(first.invoices).toHaveLength(0);
    const totals = await drain(plugin);
    expect(totals).toMatchObject({ debtors: 300, invoices: 2500, creditNotes: 1, payments: 1 });
    expect(invoiceCalls()).toBe(3);
    expect(fake.apiCalls()).toHaveLength(1 + 5); // the first page above, then 5 for the drain
    const invoiceQuery = fake.apiCalls().find((call) => call.path === "/api.xro/2.0/Invoices")?.query;
    expect(invoiceQuery).toMatchObject({
      where: 'Type=="ACCREC"',
      Statuses: "AUTHORISED,PAID,VOIDED",
      order: "UpdatedDateUTC DESC",
      pageSize: "1000",
    });
    expect(invoiceQuery?.summaryOnly).toBeUndefined();
    // The next sync starts at the server time of this one's first answer (HTTP Date: whole seconds).
    expect(totals.watermark).toBe(new Date(Math.floor(now / 1000) * 1000).toISOString());
  });

  it("re-syncs an unchanged ledger in 2 calls and then reads only what changed", async () => {
    const ledger = fake.ledger();
    seed(ledger, 40, 5);
    now += 60_000;
    const { plugin } = await connect(fake, { now: clock });
    const full = await drain(plugin);
    const before = fake.apiCalls().length;
    const unchanged = await drain(plugin, full.watermark);
    // Contacts and invoices; credit notes wait for the first sync of the next day.
    expect(unchanged).toMatchObject({ pages: 2, debtors: 0, invoices: 0, creditNotes: 0 });
    expect(fake.apiCalls().length - before).toBe(2);
    expect(
      fake
        .apiCalls()
        .map((call) => call.path)
        .slice(-2),
    ).toEqual(["/api.xro/2.0/Contacts", "/api.xro/2.0/Invoices"]);
    expect(fake.apiCalls().at(-1)?.headers.ifModifiedSince).toBe(full.watermark);
    expect(unchanged.watermark).toBe(full.watermark);

    now += 1000;
    const target = [...ledger.invoices.values()][3]!;
    ledger.pay(target.invoiceId, "100.10");
    ledger.voidInvoice([...ledger.invoices.values()][7]!.invoiceId);
    now += 60_000;
    const incremental = await drain(plugin, full.watermark);
    expect(incremental).toMatchObject({ invoices: 2, payments: 1, debtors: 0 });
    expect(Date.parse(incremental.watermark ?? "")).toBeGreaterThan(Date.parse(full.watermark ?? ""));
  });

  it("reads credit notes in the first sync of each day, from the start of the day before", async () => {
    const ledger = fake.ledger();
    const [contactId] = seed(ledger, 5, 1);
    now += 60_000;
    const { plugin } = await connect(fake, { now: clock });
    const full = await drain(plugin);
    // An unallocated credit note later that day: the day's next syncs do not read credit notes...
    now += 3_600_000;
    const note = ledger.addCreditNote({ contactId: contactId!, total: "25", date: "2025-03-01", currency: "EUR" });
    now += 60_000;
    const sameDay = await drain(plugin, full.watermark);
    expect(sameDay.creditNotes).toBe(0);
    // ...the first sync of the next day does, from the start of the day the previous sync ran.
    now = Date.parse("2025-03-02T00:05:00Z");
    const before = fake.apiCalls().length;
    const nextDay = await drain(plugin, sameDay.watermark);
    expect(nextDay.creditNotes).toBe(1);
    // (The day's jump expired the access token: its 401 and the retry after the refresh are left out.)
    const calls = fake
      .apiCalls()
      .slice(before)
      .filter((call) => call.status === 200);
    expect(calls.map((call) => call.path)).toEqual([
      "/api.xro/2.0/Contacts",
      "/api.xro/2.0/Invoices",
      "/api.xro/2.0/CreditNotes",
    ]);
    expect(Date.parse(calls[2]?.headers.ifModifiedSince ?? "")).toBe(Date.parse("2025-03-01T00:00:00Z"));
    expect(ledger.creditNote(note.creditNoteId).totalMinor).toBe(2500);
  });

  it("never moves the watermark past the server time of the sync's first answer", async () => {
    const ledger = fake.ledger();
    seed(ledger, 3, 1);
    const { plugin } = await connect(fake, { now: clock });
    const start = now;
    const contacts = await plugin.listChanges({});
    // A contact and its invoice appear after the contacts were read.
    now += 5000;
    const late = ledger.addContact({ name: "Late client" });
    ledger.addInvoice({ contactId: late.contactId, total: 5, date: "2025-02-01" });
    let page = await plugin.listChanges({ cursor: contacts.cursor! });
    while (page.cursor) page = await plugin.listChanges({ cursor: page.cursor });
    expect(Date.parse(page.watermark ?? "")).toBeLessThanOrEqual(start);
    const next = await drain(plugin, page.watermark);
    expect(next.debtors).toBeGreaterThanOrEqual(1);
  });

  it("skips no record when one on an already-read page changes between two pages", async () => {
    const ledger = fake.ledger();
    seed(ledger, 9, 3);
    now += 60_000;
    const { plugin } = await connect(fake, { now: clock, config: { pageSize: 3 } });
    const read = new Set<string>();
    const readPages: string[][] = [];
    let page = await plugin.listChanges({});
    let changed = false;
    while (page.cursor) {
      page = await plugin.listChanges({ cursor: page.cursor });
      const ids = page.invoices.map((invoice) => invoice.externalId);
      for (const id of ids) read.add(id);
      if (ids.length > 0) readPages.push(ids);
      if (!changed && ids.length > 0) {
        // Someone pays an invoice the sync has already read: it moves in Xero's order.
        now += 1000;
        ledger.pay(ids[0]!, "10");
        changed = true;
      }
    }
    expect(changed).toBe(true);
    expect(readPages.length).toBeGreaterThan(1);
    expect([...ledger.invoices.keys()].filter((id) => !read.has(id))).toEqual([]);
  });

  it("loses no change made during a sync: new records, and records on pages not read yet", async () => {
    const ledger = fake.ledger();
    const [contactId] = seed(ledger, 12, 2);
    now += 60_000;
    const { plugin } = await connect(fake, { now: clock, config: { pageSize: 4 } });
    const balances = new Map<string, number>(); // invoice id → balance as last read
    const readSync = async (since?: string) => {
      let cursor: string | undefined;
      let watermark: string | undefined;
      let pages = 0;
      do {
        const page = await plugin.listChanges({ ...(since ? { since } : {}), ...(cursor ? { cursor } : {}) });
        for (const invoice of page.invoices) balances.set(invoice.externalId, invoice.balanceMinor);
        cursor = page.cursor;
        watermark = page.watermark;
        pages++;
        if (since === undefined && page.invoices.length > 0 && pages < 4) {
          // Between pages: every invoice changes once, read or not, and a new one appears.
          now += 1000;
          for (const invoice of [...ledger.invoices.values()].slice(0, 12)) {
            if (ledger.amountPaid(invoice) === 0) {
              ledger.pay(invoice.invoiceId, "1");
              break;
            }
          }
          ledger.addInvoice({ contactId: contactId!, total: "5", date: "2025-02-01", currency: "EUR" });
        }
      } while (cursor);
      return watermark;
    };
    const watermark = await readSync();
    now += 60_000;
    await readSync(watermark);
    for (const invoice of ledger.invoices.values()) {
      const balance = invoice.totalMinor - ledger.amountPaid(invoice) - ledger.amountCredited(invoice);
      expect(balances.get(invoice.invoiceId), invoice.invoiceId).toBe(balance);
    }
  });

  it("maps 429 to rate_limited with Retry-After, the day limit with its longer wait", async () => {
    await fake.close();
    fake = await startFakeXero({ now: clock, limits: { perMinute: 2, perDay: 1000 } });
    seed(fake.ledger(), 1, 1);
    // Another worker spends the organisation's minute; this one has not seen the headers.
    const other = await connect(fake, { now: clock });
    await other.plugin.testConnection();
    await other.plugin.testConnection();
    const { plugin } = await connect(fake, { now: clock });
    const limited = await plugin.listChanges({}).catch((error: unknown) => error);
    expect(limited).toMatchObject({ code: "rate_limited", retryable: true, retryAfterMs: 60_000 });
    expect(fake.apiCalls().at(-1)?.status).toBe(429);
    await fake.close();
    fake = await startFakeXero({ now: clock, limits: { perDay: 1, windowMs: 60_000 } });
    const day = await connect(fake, { now: clock });
    await day.plugin.listChanges({});
    await expect(day.plugin.listChanges({})).rejects.toMatchObject({ code: "rate_limited", retryAfterMs: 86_400_000 });
  });

  it("waits out the minute when Xero reports none left instead of collecting a 429", async () => {
    await fake.close();
    fake = await startFakeXero({ limits: { perMinute: 3, windowMs: 300 } });
    seed(fake.ledger(), 1, 1);
    const { plugin } = await connect(fake, { app: { rateWindowMs: 300 } });
    await drain(plugin);
    await drain(plugin);
    expect(fake.apiCalls().map((call) => call.status)).toEqual([200, 200, 200, 200, 200, 200]);
  });

  it("refreshes once on 401 and carries on; a refused refresh is unauthorized", async () => {
    seed(fake.ledger(), 10, 2);
    const { plugin, tokens } = await connect(fake, { now: clock });
    const first = await plugin.listChanges({});
    fake.expireAccessTokens();
    const second = await plugin.listChanges({ cursor: first.cursor! });
    expect(second.invoices).toHaveLength(10);
    expect(tokens.refreshes).toBe(1);
    expect(fake.apiCalls().map((call) => call.status)).toEqual([200, 401, 200]);
    fake.expireAccessTokens();
    fake.revokeGrant();
    await expect(plugin.listChanges({ cursor: second.cursor! })).rejects.toMatchObject({
      code: "unauthorized",
      retryable: false,
    });
  });

  it("maps 5xx to a retryable provider_unavailable and keeps to 5 calls in flight", async () => {
    await fake.close();
    fake = await startFakeXero({ latencyMs: 20 });
    const ledger = fake.ledger();
    const ids = seed(ledger, 12, 12);
    const { plugin } = await connect(fake);
    fake.failNext(503);
    await expect(plugin.testConnection()).rejects.toMatchObject({ code: "provider_unavailable", retryable: true });
    await plugin.testConnection();
    const changes = ids.map((id) => ({
      providerEventId: id,
      accountId: fake.organisations[0]!.tenantId,
      kind: "contact" as const,
      externalId: id,
    }));
    await Promise.all(Array.from({ length: 12 }, () => plugin.fetchChanged!(changes.slice(0, 1))));
    expect(fake.peakInFlight).toBe(5);
    expect(fake.apiCalls().some((call) => call.status === 429)).toBe(false);
  });
});
