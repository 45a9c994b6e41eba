/**
 * Ledger connections on a server where no OAuth app is configured: connecting says what is missing
 * instead of failing, unknown plugins are 404, a file ledger cannot be "connected", webhooks of an
 * unconfigured ledger are refused, and another tenant's connection does not exist.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readJson } from "../support/json";
import { ledgerCsv } from "../support/ledger";
import { type System, startSystem } from "../support/system";

describe("ledger connections without OAuth apps", () => {
  let system: System;

  beforeAll(async () => {
    system = await startSystem({ engine: "pglite", dayMs: 60_000, channel: "outbox" });
  });
  afterAll(async () => {
    await system?.close();
  });

  const connect = (plugin: string, apiKey?: string) =>
    system.request(`/v1/ledgers/${plugin}/connect`, { method: "POST", ...(apiKey ? { apiKey } : {}) });

  it("explains that Xero or QuickBooks is not set up, and refuses unknown or non-OAuth ledgers", async () => {
    const xero = await connect("xero");
    expect(xero.status).toBe(503);
    expect((await readJson(xero)).detail).toMatch(/Xero is not set up on this server/);
    expect((await connect("quickbooks")).status).toBe(503);
    expect((await connect("sage")).status).toBe(404);
    const csv = await connect("csv");
    expect(csv.status).toBe(422);
    expect((await readJson(csv)).detail).toMatch(/does not connect through OAuth/);
    expect((await connect("xero", "rk_wrong")).status).toBe(401);
  });

  it("refuses webhooks for a ledger that is not set up", async () => {
    const response = await system.api.request("/webhooks/ledgers/xero", { method: "POST", body: "{}" });
    expect(response.status).toBe(404);
  });

  it("lists a tenant's connections and hides them from other tenants; a file ledger has no schedule to run", async () => {
    expect((await system.importCsv(ledgerCsv([{ debtor: "A", invoice: "A-1", amount: "10.00", dueInDays: 5 }]))).status).toBe(
      201,
    );
    const list = await readJson(await system.request("/v1/connections"));
    expect(list.items).toEqual([
      expect.objectContaining({ pluginId: "csv", kind: "connector", status: "active", accountId: null }),
    ]);
    const id = list.items[0].id;
    expect((await system.request(`/v1/connections/${id}/sync`, { method: "POST" })).status).toBe(409);
    const other = await system.createTenant("other");
    expect((await system.request(`/v1/connections/${id}`, { apiKey: other.apiKey })).status).toBe(404);
    expect((await system.request(`/v1/connections/${id}`, { method: "DELETE", apiKey: other.apiKey })).status).toBe(404);
    expect((await readJson(await system.request("/v1/connections", { apiKey: other.apiKey }))).items).toEqual([]);
  });
});
