import type { Store } from "@relance/store";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestStore, testEngines } from "../../../test/support/database";
import { debtor, makeLedgerConnection, makeTenant } from "./fixtures";

const TABLES = [
  "api_keys",
  "communications",
  "connections",
  "debtors",
  "disputes",
  "imports",
  "invoices",
  "ledger_actions",
  "ledger_credit_notes",
  "ledger_payments",
  "oauth_grants",
  "oauth_states",
  "outbox",
  "payment_plans",
  "plan_instalments",
  "policies",
  "promises_to_pay",
  "tasks",
  "tenants",
  "webhook_inbox",
];
const MIGRATIONS = ["0001-initial", "0002-cases", "0003-ledger-grants"];

describe.each(testEngines())("store on %s", (engine) => {
  let store: Store;
  beforeAll(async () => {
    store = await openTestStore(engine);
  });
  afterAll(async () => {
    await store?.close();
  });

  it("reports its engine and answers a ping", async () => {
    expect(store.engine).toBe(engine);
    await expect(store.ping()).resolves.toBeUndefined();
  });

  it("has the migrated schema, empty, and re-running migrations is a no-op", async () => {
    const { rows } = await sql<{ table_name: string }>`
      SELECT table_name FROM information_schema.tables
      WHERE table_schema = 'public' AND table_name NOT LIKE 'kysely%' ORDER BY table_name`.execute(store.db);
    expect(rows.map((row) => row.table_name)).toEqual(TABLES);
    expect(await store.listTenants()).toEqual([]);
    const applied = await sql<{ name: string }>`SELECT name FROM kysely_migration ORDER BY name`.execute(store.db);
    expect(applied.rows.map((row) => row.name)).toEqual(MIGRATIONS);
    expect(await store.migrate()).toEqual([]);
    expect(await store.migrate()).toEqual([]);
    const again = await sql<{ count: number }>`SELECT count(*) AS count FROM kysely_migration`.execute(store.db);
    expect(again.rows[0]?.count).toBe(MIGRATIONS.length);
  });

  it("reads bigint as a number, refuses unsafe integers, and returns dates as written", async () => {
    const { rows } = await sql<{ big: number; day: string }>`
      SELECT 9007199254740991::bigint AS big, '2024-02-29'::date AS day`.execute(store.db);
    expect(rows[0]).toEqual({ big: Number.MAX_SAFE_INTEGER, day: "2024-02-29" });
    await expect(sql`SELECT 9007199254740993::bigint AS big`.execute(store.db)).rejects.toThrow(/beyond what a JS number holds/);
    // The connection is still usable afterwards.
    await expect(store.ping()).resolves.toBeUndefined();
  });

  it("keeps the communication log append-only: UPDATE, DELETE and TRUNCATE are refused", async () => {
    const tenant = await makeTenant(store);
    const connectionId = await makeLedgerConnection(store, tenant.id);
    await store.applyLedgerChanges(tenant.id, connectionId, { debtors: [debtor("D1")], invoices: [] });
    const stored = await store.findDebtorByExternalId(tenant.id, connectionId, "D1");
    const entry = await store.appendCommunication(tenant.id, {
      kind: "note",
      debtorId: stored?.id,
      summary: "called, no answer",
      occurredAt: new Date("2024-03-01T10:00:00.123Z"),
    });
    await expect(
      sql`UPDATE communications SET summary = 'rewritten' WHERE id = ${Number(entry.id)}`.execute(store.db),
    ).rejects.toThrow(/append-only: UPDATE refused/);
    await expect(sql`DELETE FROM communications WHERE id = ${Number(entry.id)}`.execute(store.db)).rejects.toThrow(
      /append-only: DELETE refused/,
    );
    await expect(sql`TRUNCATE communications`.execute(store.db)).rejects.toThrow(/append-only: TRUNCATE refused/);
    const timeline = await store.listTimeline(tenant.id, stored?.id ?? "", { limit: 10 });
    expect(timeline.items.map((item) => item.summary)).toEqual(["called, no answer"]);
    expect(timeline.items[0]?.occurredAt.toISOString()).toBe("2024-03-01T10:00:00.123Z");
  });

  it("rolls a store transaction back when its function throws", async () => {
    const tenant = await makeTenant(store);
    await expect(
      store.transaction(async (tx) => {
        await tx.createApiKey(tenant.id, "temporary");
        throw new Error("abort");
      }),
    ).rejects.toThrow("abort");
    expect(await store.listApiKeys(tenant.id)).toEqual([]);
    // Going around the transaction is refused at once on both engines (on PGlite it would hang).
    await expect(
      store.transaction(async (tx) => {
        await tx.createApiKey(tenant.id, "inside");
        await store.listApiKeys(tenant.id);
      }),
    ).rejects.toThrow(/use the transaction object/);
    expect(await store.listApiKeys(tenant.id)).toEqual([]);
    const created = await store.transaction((tx) => tx.createApiKey(tenant.id, "kept"));
    expect((await store.listApiKeys(tenant.id)).map((key) => key.id)).toEqual([created.id]);
  });
});
