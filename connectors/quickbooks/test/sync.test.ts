/**
 * The query-mode sync against the fake Intuit, with the client recorded: what the opening batch asks
 * (per entity its count and its first page, the same page query as the later ones) and how the pages
 * left go on from the keyset positions that batch left.
 */
import { isRelanceError, type RelanceError } from "@relance/core";
import { afterEach, describe, expect, it } from "vitest";
import { type FakeQuickBooks, startFakeQuickBooks } from "../../../test/fakes/quickbooks";
import { type BatchQuery, createQboClient, type QboClient } from "../src/client";
import { createHomeCurrency } from "../src/home-currency";
import type { QuickBooksChangePage } from "../src/records";
import { createSync } from "../src/sync";
import { appFor, RefreshingTokens, silent } from "./support";

const DAY = 86_400_000;
let fake: FakeQuickBooks | undefined;

afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

interface Recorded {
  readonly batches: BatchQuery[][];
  readonly queries: { entity: string; tail: string }[];
}

async function setUp(rewriteBatch?: (answer: unknown) => unknown) {
  fake = await startFakeQuickBooks();
  const app = appFor(fake);
  const tokens = new RefreshingTokens(app, fake.issueTokens());
  const clock = { now: () => new Date() };
  const real = createQboClient({ app, realmId: fake.realmId, tokens, clock });
  const recorded: Recorded = { batches: [], queries: [] };
  const client: QboClient = {
    ...real,
    async batch(items) {
      recorded.batches.push([...items]);
      const answer = await real.batch(items);
      return rewriteBatch ? rewriteBatch(answer) : answer;
    },
    query(entity, tail) {
      recorded.queries.push({ entity, tail });
      return real.query(entity, tail);
    },
  };
  const sync = createSync({ client, clock, logger: silent, homeCurrency: createHomeCurrency(undefined, client) });
  return { fake, realm: fake.realm(), sync, recorded };
}

async function readAll(sync: ReturnType<typeof createSync>, since?: string) {
  const pages: QuickBooksChangePage[] = [];
  let cursor: string | undefined;
  do {
    const page = await sync.listChanges({ ...(since ? { since } : {}), ...(cursor ? { cursor } : {}) });
    pages.push(page);
    cursor = page.cursor;
  } while (cursor);
  return pages;
}

describe("the opening batch", () => {
  it("asks each entity's count and first page (as later pages ask them) and Preferences: 9 items", async () => {
    const { sync, recorded, realm } = await setUp();
    const customer = realm.addCustomer({ displayName: "A" });
    realm.addInvoice({ customerId: customer.Id, txnDate: "2024-01-01", amount: 10 });
    const pages = await readAll(sync);
    expect(pages).toHaveLength(1);
    expect(pages[0]?.debtors).toHaveLength(1);
    expect(pages[0]?.invoices).toHaveLength(1);
    expect(pages[0]?.watermark).toBeDefined();
    expect(recorded.queries).toEqual([]);
    expect(recorded.batches).toHaveLength(1);
    const items = recorded.batches[0] ?? [];
    // Intuit takes 30 items per batch and advises 10.
    expect(items.length).toBeLessThanOrEqual(10);
    expect(items).toEqual([
      { bId: "Customer:count", Query: "select count(*) from Customer where Active IN (true, false)" },
      {
        bId: "Customer:page",
        Query:
          "select * from Customer where Active IN (true, false) orderby MetaData.LastUpdatedTime startposition 1 maxresults 1000",
      },
      { bId: "Invoice:count", Query: "select count(*) from Invoice" },
      { bId: "Invoice:page", Query: "select * from Invoice orderby MetaData.LastUpdatedTime startposition 1 maxresults 1000" },
      { bId: "CreditMemo:count", Query: "select count(*) from CreditMemo" },
      {
        bId: "CreditMemo:page",
        Query: "select * from CreditMemo orderby MetaData.LastUpdatedTime startposition 1 maxresults 1000",
      },
      { bId: "Payment:count", Query: "select count(*) from Payment" },
      { bId: "Payment:page", Query: "select * from Payment orderby MetaData.LastUpdatedTime startposition 1 maxresults 1000" },
      { bId: "Preferences", Query: "select * from Preferences" },
    ]);
  });

  it("bounds every item by the watermark on an incremental read by queries", async () => {
    const { sync, recorded } = await setUp();
    const since = new Date(Date.now() - 40 * DAY).toISOString();
    await readAll(sync, since);
    const items = recorded.batches[0] ?? [];
    expect(items.filter((item) => item.bId !== "Preferences")).toHaveLength(8);
    for (const item of items.filter((entry) => entry.bId !== "Preferences")) {
      expect(item.Query).toMatch(
        item.bId.startsWith("Customer:")
          ? / where Active IN \(true, false\) and MetaData\.LastUpdatedTime >= '\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ'/
          : / where MetaData\.LastUpdatedTime >= '\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ'/,
      );
    }
  });

  it("goes on from the keyset positions it left for every entity past one page", async () => {
    const { fake, sync, recorded, realm } = await setUp();
    const start = Date.now() - 60 * DAY;
    const customers = realm.addCustomers(
      Array.from({ length: 1500 }, (_, index) => ({
        displayName: `Customer ${index}`,
        // 200 a second: the first page ends inside a second.
        updatedAt: new Date(start + Math.floor(index / 200) * 1000),
      })),
    );
    realm.addInvoices(
      Array.from({ length: 2500 }, (_, index) => ({
        customerId: customers[index % 300]?.Id as string,
        txnDate: "2024-01-15",
        amount: 10,
        updatedAt: new Date(start + Math.floor(index / 300) * 1000),
      })),
    );
    const pages = await readAll(sync);
    // 1 batch + 1 customer page (500 left) + 2 invoice pages (1,500 left): 4 calls, 4 pages.
    expect(fake.apiCalls()).toBe(4);
    expect(pages).toHaveLength(4);
    expect(recorded.queries.map((query) => query.entity)).toEqual(["Customer", "Invoice", "Invoice"]);
    // Keyset: >= the last time read, skipping those at that time already read (1,000 = 5 × 200; 3 × 300 + 100).
    expect(recorded.queries[0]?.tail).toMatch(/>= '.+' orderby MetaData\.LastUpdatedTime startposition 201 maxresults 1000$/);
    expect(recorded.queries[1]?.tail).toMatch(/>= '.+' orderby MetaData\.LastUpdatedTime startposition 101 maxresults 1000$/);
    const debtors = pages.flatMap((page) => page.debtors.map((debtor) => debtor.externalId));
    const invoices = pages.flatMap((page) => page.invoices.map((invoice) => invoice.externalId));
    expect(debtors).toHaveLength(1500);
    expect(new Set(debtors).size).toBe(1500);
    expect(invoices).toHaveLength(2500);
    expect(new Set(invoices).size).toBe(2500);
    expect(pages.slice(0, -1).every((page) => page.watermark === undefined && page.cursor !== undefined)).toBe(true);
    expect(pages.at(-1)?.watermark).toBeDefined();
  });

  it("reads again, behind the keyset, a record changed while the sync runs", async () => {
    const { sync, realm } = await setUp();
    const start = Date.now() - 60 * DAY;
    const customer = realm.addCustomer({ displayName: "A", updatedAt: new Date(start) });
    const invoices = realm.addInvoices(
      Array.from({ length: 2500 }, (_, index) => ({
        customerId: customer.Id,
        txnDate: "2024-01-15",
        amount: 10,
        updatedAt: new Date(start + index * 1000),
      })),
    );
    const first = await sync.listChanges({});
    expect(first.invoices).toHaveLength(1000);
    // Changed after the opening batch: one already read, one not read yet.
    realm.modify("Invoice", invoices[10]?.Id as string, { PrivateNote: "read again" }, new Date());
    realm.modify("Invoice", invoices[1500]?.Id as string, { PrivateNote: "moved" }, new Date());
    const rest: QuickBooksChangePage[] = [];
    let cursor = first.cursor;
    while (cursor) {
      const page = await sync.listChanges({ cursor });
      rest.push(page);
      cursor = page.cursor;
    }
    const ids = new Set([...first.invoices, ...rest.flatMap((page) => page.invoices)].map((invoice) => invoice.externalId));
    expect(ids.size).toBe(2500);
  });

  it("says so, retryably, when Intuit answers an item with a Fault", async () => {
    const { sync } = await setUp((answer) => {
      const body = answer as { BatchItemResponse: { bId: string }[] };
      return {
        ...body,
        BatchItemResponse: body.BatchItemResponse.map((item) =>
          item.bId === "Invoice:page"
            ? { bId: item.bId, Fault: { Error: [{ Message: "boom", code: "10000" }], type: "SystemFault" } }
            : item,
        ),
      };
    });
    let error: RelanceError | undefined;
    try {
      await sync.listChanges({});
    } catch (caught) {
      if (isRelanceError(caught)) error = caught;
    }
    expect(error?.code).toBe("provider_unavailable");
    expect(error?.retryable).toBe(true);
  });
});
