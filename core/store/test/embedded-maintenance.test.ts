/** The embedded engine vacuums and analyses its tables itself, as autovacuum would on PostgreSQL. */
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { maintainTables, maintenanceFor } from "../src/embedded-maintenance";
import type { Store } from "../src/store";
import { createPgliteTemplate, type PgliteTemplate } from "../src/testing";
import { makeCaseWorld } from "./fixtures";

describe("what autovacuum would do", () => {
  const idle = { rows: 1000, dead: 0, changedSinceAnalyze: 0, insertedSinceVacuum: 0 };
  it("analyses a table once 50 + 10 % of its rows changed", () => {
    expect(maintenanceFor({ ...idle, changedSinceAnalyze: 150 })).toBeNull();
    expect(maintenanceFor({ ...idle, changedSinceAnalyze: 151 })).toBe("analyze");
    expect(maintenanceFor({ ...idle, rows: 0, changedSinceAnalyze: 51 })).toBe("analyze");
  });
  it("vacuums once 50 + 20 % of its rows are dead, or 1,000 + 20 % were inserted", () => {
    expect(maintenanceFor({ ...idle, dead: 250 })).toBeNull();
    expect(maintenanceFor({ ...idle, dead: 251 })).toBe("vacuum");
    expect(maintenanceFor({ ...idle, insertedSinceVacuum: 1200 })).toBeNull();
    expect(maintenanceFor({ ...idle, insertedSinceVacuum: 1201 })).toBe("vacuum");
  });
});

describe("maintenance of the embedded database", () => {
  let template: PgliteTemplate;
  beforeAll(async () => {
    template = await createPgliteTemplate();
  });
  afterAll(async () => {
    await template.close();
  });

  const outboxStats = async (store: Store) =>
    (
      await sql<{ dead: number; analysed: boolean; vacuumed: boolean }>`
        SELECT n_dead_tup::int AS dead, last_analyze IS NOT NULL AS analysed, last_vacuum IS NOT NULL AS vacuumed
        FROM pg_stat_user_tables WHERE relname = 'outbox'`.execute(store.db)
    ).rows[0];

  /** Messages claimed then marked sent: every row leaves one dead version behind. */
  async function sendMessages(store: Store, count: number): Promise<string> {
    const world = await makeCaseWorld(store);
    for (let index = 0; index < count; index++) {
      const row = await store.claimOutbox(world.tenantId, {
        idempotencyKey: `maintenance-${world.tenantId}-${index}`,
        debtorId: world.debtors.D1,
        stepId: "first-reminder",
        channel: "email",
        pluginId: "outbox",
        payload: { subject: `message ${index}` },
      });
      await store.markOutboxSent(world.tenantId, row.id, `external-${index}`);
    }
    // Statistics reach the shared counters when the session is idle; make the next report go at once.
    await sql`SELECT pg_stat_force_next_flush()`.execute(store.db);
    return world.tenantId;
  }

  it("vacuums and analyses the tables past their thresholds, and then has nothing to do", async () => {
    const store = await template.open();
    try {
      const tenantId = await sendMessages(store, 120);
      expect((await outboxStats(store))?.dead).toBeGreaterThanOrEqual(100);
      const done = await maintainTables(store.db);
      expect(done).toContain("vacuum outbox");
      expect(await outboxStats(store)).toEqual({ dead: 0, analysed: true, vacuumed: true });
      await sql`SELECT pg_stat_force_next_flush()`.execute(store.db);
      expect(await maintainTables(store.db)).toEqual([]);
      expect(await store.countOutbox(tenantId, { status: "sent" })).toBe(120);
    } finally {
      await store.close();
    }
  });

  it("runs by itself while the store is open", async () => {
    const store = await template.open({ maintenanceIntervalMs: 50 });
    try {
      await sendMessages(store, 120);
      const deadline = Date.now() + 20_000;
      while (!(await outboxStats(store))?.vacuumed) {
        if (Date.now() > deadline) throw new Error("the outbox was never vacuumed");
        await new Promise((wait) => setTimeout(wait, 50));
      }
      expect((await outboxStats(store))?.dead).toBe(0);
    } finally {
      await store.close();
    }
  });
});
