/**
 * PGlite has no autovacuum. Without it the versions left behind by updates and deletes stay for ever,
 * and statistics never move, so a statement planned and cached while a table was small keeps its
 * small-table plan: the foreign-key check behind every sent message scanned the whole outbox, and a step
 * went from 1 ms to 6 ms of database time as the outbox filled. This does autovacuum's job inside the
 * process, with PostgreSQL's default thresholds; ANALYZE also makes the cached plans be made again.
 */
import type { Logger } from "@relance/core";
import { sql } from "kysely";
import type { Db } from "./schema";

/** autovacuum_analyze_threshold / _scale_factor, autovacuum_vacuum_…, autovacuum_vacuum_insert_… */
const ANALYZE_BASE = 50;
const ANALYZE_SCALE = 0.1;
const VACUUM_BASE = 50;
const VACUUM_SCALE = 0.2;
const VACUUM_INSERT_BASE = 1000;
const VACUUM_INSERT_SCALE = 0.2;

const MAINTENANCE_INTERVAL_MS = 10_000;

export interface TableActivity {
  /** Rows as of the last analysis (0 when never analysed). */
  readonly rows: number;
  readonly dead: number;
  readonly changedSinceAnalyze: number;
  readonly insertedSinceVacuum: number;
}

export type Maintenance = "vacuum" | "analyze" | null;

/** What autovacuum would do to this table now: vacuum (and analyze), only analyze, or nothing. */
export function maintenanceFor(activity: TableActivity): Maintenance {
  if (
    activity.dead > VACUUM_BASE + VACUUM_SCALE * activity.rows ||
    activity.insertedSinceVacuum > VACUUM_INSERT_BASE + VACUUM_INSERT_SCALE * activity.rows
  ) {
    return "vacuum";
  }
  return activity.changedSinceAnalyze > ANALYZE_BASE + ANALYZE_SCALE * activity.rows ? "analyze" : null;
}

/** Vacuums and analyses the tables that need it; returns what was done, e.g. ["vacuum outbox"]. */
export async function maintainTables(db: Db): Promise<string[]> {
  const { rows } = await sql<{
    table: string;
    rows: number;
    dead: number;
    changed: number;
    inserted: number;
  }>`SELECT s.relname AS "table", greatest(c.reltuples, 0)::float8 AS rows, s.n_dead_tup::float8 AS dead,
       s.n_mod_since_analyze::float8 AS changed, s.n_ins_since_vacuum::float8 AS inserted
     FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
     WHERE s.schemaname = current_schema()
     ORDER BY s.relname`.execute(db);
  const done: string[] = [];
  for (const row of rows) {
    const action = maintenanceFor({
      rows: row.rows,
      dead: row.dead,
      changedSinceAnalyze: row.changed,
      insertedSinceVacuum: row.inserted,
    });
    if (action === "vacuum") await sql`VACUUM (ANALYZE) ${sql.table(row.table)}`.execute(db);
    else if (action === "analyze") await sql`ANALYZE ${sql.table(row.table)}`.execute(db);
    if (action) done.push(`${action} ${row.table}`);
  }
  return done;
}

export interface MaintenanceLoop {
  /** Stops the timer and waits for a pass under way. */
  stop(): Promise<void>;
}

/** Runs maintainTables every `intervalMs` (one pass at a time); a failed pass is logged, not thrown. */
export function startMaintenance(db: Db, logger: Logger, intervalMs = MAINTENANCE_INTERVAL_MS): MaintenanceLoop {
  let running: Promise<void> | undefined;
  let stopped = false;
  const timer = setInterval(() => {
    if (running || stopped) return;
    running = maintainTables(db)
      .then((done) => {
        if (done.length > 0) logger.debug({ done }, "embedded database maintained");
      })
      .catch((error: unknown) => {
        if (!stopped) logger.warn({ err: (error as Error).message }, "embedded database maintenance failed");
      })
      .finally(() => {
        running = undefined;
      });
  }, intervalMs);
  timer.unref();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
