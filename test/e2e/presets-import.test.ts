/**
 * Ledger files as accountants have them, uploaded through the API into the real store: a French FEC,
 * Xero's invoice export and QuickBooks' A/R Aging Detail report, detected from their headers (or named
 * explicitly), imported whole or not at all; a re-import changes nothing and a later FEC closes what
 * was lettered since.
 */
import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readJson } from "../support/json";
import { type System, startSystem } from "../support/system";

const corpus = (name: string) => readFile(new URL(`../corpus/csv/presets/${name}`, import.meta.url));

describe("ledger file presets through the API", () => {
  let system: System;

  beforeAll(async () => {
    system = await startSystem({ engine: "pglite", dayMs: 2000, channel: "outbox" });
  });
  afterAll(async () => {
    await system?.close();
  });

  async function upload(name: string, query = "") {
    return system.request(`/v1/imports?fileName=${encodeURIComponent(name)}${query}`, {
      method: "POST",
      headers: { "content-type": "text/csv" },
      body: await corpus(name),
    });
  }

  async function invoice(number: string) {
    const page = await readJson(await system.request("/v1/invoices?limit=200"));
    return page.items.find((item: { number: string }) => item.number === number);
  }

  it("detects a FEC, imports its open receivables, and re-imports idempotently", async () => {
    const first = await upload("fec-clients.txt", "&connection=cabinet");
    expect(first.status).toBe(201);
    const result = await readJson(first);
    expect(result).toMatchObject({ preset: "fec", debtors: { created: 4 }, invoices: { created: 7 } });
    expect(result.skippedRows).toBeGreaterThan(0);
    expect(await invoice("F2026-002")).toMatchObject({ status: "open", balanceMinor: 60_000, currency: "EUR" });

    // The same file again is recognised and changes nothing.
    const again = await upload("fec-clients.txt", "&connection=cabinet");
    expect(again.status).toBe(409);
    expect((await readJson(again)).detail).toMatch(/already imported/);

    const later = await readJson(await upload("fec-clients-after-payment.txt", "&connection=cabinet"));
    expect(later).toMatchObject({ preset: "fec", invoices: { updated: 1 } });
    expect(await invoice("F2026-002")).toMatchObject({ status: "paid", balanceMinor: 0 });
  });

  it("detects Xero's invoice export and QuickBooks' A/R aging report (whose currency is given)", async () => {
    const xero = await readJson(await upload("xero-invoices.csv", "&connection=xero-export"));
    expect(xero.preset).toBe("xero-invoices");
    expect(xero.invoices.created).toBeGreaterThan(0);
    const aging = await upload("qbo-ar-aging.csv", "&connection=qbo-export&currency=USD");
    expect(aging.status).toBe(201);
    expect(await readJson(aging)).toMatchObject({ preset: "qbo-ar-aging", debtors: { created: 3 } });
    expect(await invoice("1039")).toMatchObject({ balanceMinor: 120_050, currency: "USD" });
  });

  it("refuses a QuickBooks report without its currency, and a broken FEC, naming line and column; nothing is stored", async () => {
    const before = (await readJson(await system.request("/v1/invoices?limit=200"))).items.length;
    const noCurrency = await upload("qbo-ar-aging.csv", "&connection=other");
    expect(noCurrency.status).toBe(422);
    expect(JSON.stringify(await readJson(noCurrency))).toMatch(/currency/);
    const bad = await system.request("/v1/imports?fileName=fec-bad-date.txt&preset=fec", {
      method: "POST",
      headers: { "content-type": "text/csv" },
      body: await readFile(new URL("../corpus/csv/presets/bad/fec-bad-date.txt", import.meta.url)),
    });
    expect(bad.status).toBe(422);
    const problem = await readJson(bad);
    expect(problem.errors[0]).toMatchObject({ line: expect.any(Number), column: expect.any(String) });
    expect((await readJson(await system.request("/v1/invoices?limit=200"))).items.length).toBe(before);
  });
});
