import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openStore, type Store } from "@relance/store";
import { Migrator, sql } from "kysely";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { testEngines } from "../../../test/support/database";
import { migrations } from "../src/migrations/index";

/** A store on an empty database of the engine, not migrated; `cleanup` removes the database. */
async function openUnmigrated(engine: string): Promise<{ store: Store; cleanup: () => Promise<void> }> {
  if (engine === "pglite") {
    const dataDir = await mkdtemp(join(tmpdir(), "relance-upgrade-"));
    const store = await openStore({ dataDir, migrate: false });
    return { store, cleanup: () => rm(dataDir, { recursive: true, force: true }) };
  }
  const adminUrl = process.env.RELANCE_TEST_DATABASE_URL;
  if (!adminUrl) throw new Error("RELANCE_TEST_DATABASE_URL is not set: run scripts/ensure-postgres.sh");
  const database = `relance_t_upgrade_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  const store = await openStore({ dataDir: "", databaseUrl: url.toString(), migrate: false });
  return {
    store,
    cleanup: async () => {
      await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      await admin.end();
    },
  };
}

describe.each(testEngines())("upgrading a populated 0001 database on %s", (engine) => {
  it("applies 0002 and 0003 over existing rows, keeping them", async () => {
    const { store, cleanup } = await openUnmigrated(engine);
    try {
      const initial = migrations["0001-initial"];
      if (!initial) throw new Error("0001-initial is missing");
      const first = new Migrator({ db: store.db, provider: { getMigrations: async () => ({ "0001-initial": initial }) } });
      expect((await first.migrateToLatest()).error).toBeUndefined();
      const tenant = await store.createTenant({
        name: "Old",
        slug: "old",
        defaultLanguage: "fr",
        senderName: "Old AR",
        senderEmail: "ar@example.test",
      });
      // Written as 0001 knew connections: today's repository reads columns that came later.
      const inserted = await sql<{ id: string }>`INSERT INTO connections (tenant_id, plugin_id, kind, name)
        VALUES (${tenant.id}, 'csv', 'connector', 'main') RETURNING id`.execute(store.db);
      const connection = { id: inserted.rows[0]?.id ?? "" };
      await store.applyLedgerChanges(tenant.id, connection.id, {
        debtors: [{ externalId: "D1", name: "Debtor", emails: [], tags: ["vip"] }],
        invoices: [
          {
            externalId: "I1",
            number: "INV-1",
            debtorExternalId: "D1",
            currency: "EUR",
            totalMinor: 1_000,
            balanceMinor: 1_000,
            issueDate: "2024-01-01",
            dueDate: "2024-01-31",
            status: "open",
          },
        ],
      });
      const { rows } = await sql<{ id: string; tenant_id: string }>`SELECT id, tenant_id FROM debtors`.execute(store.db);
      const debtorId = rows[0]?.id ?? "";
      await sql`INSERT INTO communications (tenant_id, debtor_id, kind, summary, occurred_at)
        VALUES (${tenant.id}, ${debtorId}, 'message', 'sent before the upgrade', now())`.execute(store.db);

      expect(await store.migrate()).toEqual(["0002-cases", "0003-ledger-grants"]);

      expect(await store.getDebtorOverrides(tenant.id, debtorId)).toEqual({});
      expect((await store.getDebtor(tenant.id, debtorId))?.tags).toEqual(["vip"]);
      expect(await store.countCommunications(tenant.id, debtorId)).toBe(1);
      await store.appendCommunication(tenant.id, { kind: "dispute", debtorId, summary: "disputed", occurredAt: new Date() });
      const [invoice] = await store.getOpenInvoices(tenant.id, debtorId);
      const dispute = await store.openDispute(tenant.id, {
        invoiceId: invoice?.id ?? "",
        amountMinor: 1_000,
        reason: "not_as_agreed",
        createdBy: "u",
      });
      expect(dispute).toMatchObject({ debtorId, status: "open" });
      expect(await store.migrate()).toEqual([]);
    } finally {
      await store.close();
      await cleanup();
    }
  });
});
