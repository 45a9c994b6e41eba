/**
 * The HTTP API's contract: API keys and tenant isolation, problem+json errors with field detail, whole-file
 * rejection of bad ledgers (nothing stored), size limits, pagination, the OpenAPI document and reference page.
 */
import { readdir, readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readJson } from "../support/json";
import { ledgerCsv } from "../support/ledger";
import { type System, startSystem } from "../support/system";

const badCorpus = fileURLToPath(new URL("../corpus/csv/bad/", import.meta.url));

describe("HTTP API", () => {
  let system: System;
  let other: { id: string; apiKey: string };

  beforeAll(async () => {
    system = await startSystem({
      engine: "pglite",
      dayMs: 86_400_000,
      channel: "outbox",
      env: { RELANCE_MAX_IMPORT_BYTES: "200000" },
    });
    other = await system.createTenant("other");
    const rows = Array.from({ length: 7 }, (_, index) => ({
      debtor: `P${index}`,
      invoice: `P-${index}`,
      amount: "10.00",
      dueInDays: 30,
    }));
    expect((await system.importCsv(ledgerCsv(rows))).status).toBe(201);
  });
  afterAll(async () => {
    await system?.close();
  });

  it("answers liveness and readiness without a key", async () => {
    expect(await readJson(await system.api.request("/health/live"))).toEqual({ status: "ok" });
    const ready = await system.api.request("/health/ready");
    expect(ready.status).toBe(200);
    expect(await readJson(ready)).toEqual({ status: "ready", database: true, temporal: true });
  });

  it("refuses a missing, malformed, unknown or another scheme's key with 401 problem+json", async () => {
    for (const apiKey of [null, "nope", "rk_aaaaaaaa_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"]) {
      const response = await system.request("/v1/debtors", { apiKey });
      expect(response.status).toBe(401);
      expect(response.headers.get("content-type")).toBe("application/problem+json");
      expect(response.headers.get("www-authenticate")).toContain("Bearer");
      expect(await readJson(response)).toMatchObject({ status: 401, code: "unauthorized", title: "Unauthorized" });
    }
    const basic = await system.api.request("/v1/debtors", { headers: { authorization: `Basic ${system.tenant.apiKey}` } });
    expect(basic.status).toBe(401);
  });

  it("keeps tenants apart: another tenant's debtor is a 404, its lists are empty", async () => {
    const mine = await readJson(await system.request("/v1/debtors?limit=1"));
    const id = mine.items[0].id;
    for (const path of [`/v1/debtors/${id}`, `/v1/debtors/${id}/case`]) {
      const response = await system.request(path, { apiKey: other.apiKey });
      expect(response.status).toBe(404);
      expect(await readJson(response)).toMatchObject({ code: "not_found" });
    }
    const pause = await system.request(`/v1/debtors/${id}/case/pause`, { method: "POST", apiKey: other.apiKey });
    expect(pause.status).toBe(404);
    expect((await readJson(await system.request("/v1/debtors", { apiKey: other.apiKey }))).items).toEqual([]);
    expect((await readJson(await system.request(`/v1/invoices?debtorId=${id}`, { apiKey: other.apiKey }))).items).toEqual([]);
  });

  it("pages through debtors with a cursor, each exactly once", async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `limit=3&cursor=${encodeURIComponent(cursor)}` : "limit=3";
      const page = await readJson(await system.request(`/v1/debtors?${query}`));
      expect(page.items.length).toBeLessThanOrEqual(3);
      seen.push(...page.items.map((item: { externalId: string }) => item.externalId));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen.sort()).toEqual(["P0", "P1", "P2", "P3", "P4", "P5", "P6"]);
  });

  it("answers bad parameters with 422 and one entry per field", async () => {
    const response = await system.request("/v1/debtors?limit=0");
    expect(response.status).toBe(422);
    const body = await readJson(response);
    expect(body.errors).toEqual([expect.objectContaining({ path: "limit" })]);
    const notUuid = await system.request("/v1/debtors/not-a-uuid/case");
    expect(notUuid.status).toBe(422);
    expect((await readJson(notUuid)).errors[0].path).toBe("debtorId");
  });

  it("rejects every broken file of the corpus whole, naming line and column, storing nothing", async () => {
    const before = await readJson(await system.request("/v1/invoices?limit=500"));
    const files = (await readdir(badCorpus)).filter((name) => name.endsWith(".csv"));
    expect(files.length).toBeGreaterThanOrEqual(6);
    for (const file of files) {
      const response = await system.request(`/v1/imports?fileName=${file}`, {
        method: "POST",
        headers: { "content-type": "text/csv" },
        body: await readFile(`${badCorpus}${file}`),
      });
      expect(response.status, file).toBe(422);
      const problem = await readJson(response);
      expect(problem.code, file).toBe("validation_failed");
      expect(problem.errors.length, file).toBeGreaterThan(0);
      for (const error of problem.errors) expect(error.detail, file).toMatch(/\S/);
    }
    const after = await readJson(await system.request("/v1/invoices?limit=500"));
    expect(after.items).toEqual(before.items);
  });

  it("refuses a file over the import limit with 413, and a JSON body over the body limit", async () => {
    const big = `${"debtor_id,debtor_name,debtor_email,invoice_number,currency,amount,issue_date,due_date\n"}${"X,Name,x@y.example,INV,EUR,1.00,2026-01-01,2026-02-01\n".repeat(5000)}`;
    const response = await system.importCsv(big);
    expect(response.status).toBe(413);
    expect(await readJson(response)).toMatchObject({ code: "payload_too_large" });
    const mine = await readJson(await system.request("/v1/debtors?limit=1"));
    const huge = await system.request(`/v1/debtors/${mine.items[0].id}/case/pause`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ reason: "x".repeat(2 * 1024 * 1024) }),
    });
    expect(huge.status).toBe(413);
  });

  it("refuses an unsupported media type with 415", async () => {
    const response = await system.request("/v1/imports", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    expect(response.status).toBe(415);
  });

  it("publishes an OpenAPI 3.1 document and a reference page that work offline", async () => {
    const doc = await readJson(await system.api.request("/openapi.json"));
    expect(doc.openapi).toBe("3.1.0");
    for (const path of [
      "/v1/debtors",
      "/v1/invoices",
      "/v1/imports",
      "/v1/debtors/{debtorId}/case",
      "/v1/debtors/{debtorId}/case/pause",
      "/health/ready",
    ]) {
      expect(doc.paths[path], path).toBeDefined();
    }
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: "http", scheme: "bearer" });
    expect(doc.components.schemas.Problem).toBeDefined();
    const page = await (await system.api.request("/docs")).text();
    expect(page).toContain("/openapi.json");
    const script = await system.api.request("/docs/assets/swagger-ui-bundle.js");
    expect(script.status).toBe(200);
    expect((await script.text()).length).toBeGreaterThan(100_000);
  });

  it("answers unknown routes with problem+json", async () => {
    const response = await system.api.request("/nope");
    expect(response.status).toBe(404);
    expect(response.headers.get("content-type")).toBe("application/problem+json");
  });
});
