/**
 * Opening the database: embedded PGlite in `<dataDir>/db` by default, a PostgreSQL server when a URL
 * is given. Both go through node-postgres and Kysely, with one schema and one set of queries.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { type Logger, RelanceError } from "@relance/core";
import { Kysely, PostgresDialect, type PostgresPool, sql } from "kysely";
import type pg from "pg";
import { acquireDataDirLock, type DataDirLock } from "./data-dir-lock";
import { type MaintenanceLoop, startMaintenance } from "./embedded-maintenance";
import { migrateToLatest } from "./migrate";
import { createPglitePool, createPostgresPool } from "./pools";
import { Repositories } from "./repositories";
import type { Database, Db } from "./schema";
import type { Keyring } from "./secret-box";

export type StoreEngine = "pglite" | "postgres";

export interface OpenStoreOptions {
  /** Where the embedded database lives (`<dataDir>/db`); unused with a databaseUrl. */
  readonly dataDir: string;
  /** postgres://… to use a PostgreSQL server instead of the embedded database. */
  readonly databaseUrl?: string;
  readonly logger?: Logger;
  /** Encrypts and decrypts connection secrets; without it those calls fail with "misconfigured". */
  readonly keyring?: Keyring;
  /** Run pending migrations while opening (default true). */
  readonly migrate?: boolean;
}

const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** A transaction's view of the store: the same repository methods, all on the transaction. */
export type StoreTransaction = Repositories;

export interface StoreParts {
  readonly engine: StoreEngine;
  readonly pool: pg.Pool;
  readonly logger: Logger;
  readonly keyring: Keyring | undefined;
  /** Run after the pool is closed, in order (close the PGlite, release the lock, drop a test database). */
  readonly onClose: readonly (() => void | Promise<void>)[];
  /** How often the embedded engine checks whether a table needs VACUUM or ANALYZE (see embedded-maintenance). */
  readonly maintenanceIntervalMs?: number;
}

/**
 * Refuses to hand out a connection to code running inside `store.transaction()`: on the embedded engine
 * (one connection, held by the transaction) that query would wait for ever, and on PostgreSQL it would
 * silently run outside the transaction. Both engines fail the same way, at once.
 */
function guardedPool(pool: pg.Pool, insideTransaction: AsyncLocalStorage<true>): PostgresPool {
  return {
    connect: () =>
      insideTransaction.getStore()
        ? Promise.reject(
            new RelanceError(
              "internal",
              "a query went through the store inside store.transaction(): use the transaction object the callback receives",
            ),
          )
        : pool.connect(),
    end: () => pool.end(),
  };
}

export class Store extends Repositories {
  readonly engine: StoreEngine;
  readonly #logger: Logger;
  readonly #onClose: readonly (() => void | Promise<void>)[];
  readonly #insideTransaction: AsyncLocalStorage<true>;
  readonly #maintenance: MaintenanceLoop | undefined;
  #closing: Promise<void> | undefined;

  constructor(parts: StoreParts) {
    const insideTransaction = new AsyncLocalStorage<true>();
    const db: Db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: guardedPool(parts.pool, insideTransaction) }) });
    super(db, parts.keyring);
    this.#insideTransaction = insideTransaction;
    this.engine = parts.engine;
    this.#logger = parts.logger;
    this.#onClose = parts.onClose;
    this.#maintenance = parts.engine === "pglite" ? startMaintenance(db, parts.logger, parts.maintenanceIntervalMs) : undefined;
    // An idle client losing its server emits on the pool; unhandled, that would end the process.
    parts.pool.on("error", (error) =>
      this.#logger.error({ err: error.message, engine: this.engine }, "database connection error"),
    );
  }

  /** Readiness: resolves when the database answers a query. */
  async ping(): Promise<void> {
    await sql`SELECT 1`.execute(this.db);
  }

  /** Applies pending migrations; returns their names (empty when the schema is up to date). */
  async migrate(): Promise<string[]> {
    const applied = await migrateToLatest(this.db);
    if (applied.length > 0) this.#logger.info({ engine: this.engine, migrations: applied }, "database migrated");
    return applied;
  }

  /**
   * Runs `fn` in one transaction and commits when it resolves (rolls back when it throws). Inside, use
   * only the `tx` it receives: a query through the store itself is refused (see guardedPool).
   */
  transaction<T>(fn: (tx: StoreTransaction) => Promise<T>): Promise<T> {
    return this.db
      .transaction()
      .execute((trx) => this.#insideTransaction.run(true, () => fn(new Repositories(trx, this.keyring))));
  }

  /** Closes connections (and the embedded database and its lock). Safe to call twice. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      try {
        await this.#maintenance?.stop();
        await this.db.destroy();
      } finally {
        for (const step of this.#onClose) await step();
      }
    })();
    return this.#closing;
  }
}

/** Opens (and by default migrates) the store described by the options. */
export async function openStore(options: OpenStoreOptions): Promise<Store> {
  const logger = options.logger ?? silentLogger;
  const settings = { logger, keyring: options.keyring, migrate: options.migrate ?? true, onClose: [] };
  if (options.databaseUrl) return openPostgres(options.databaseUrl, settings);
  return openEmbedded(options.dataDir, settings);
}

interface OpenSettings {
  readonly logger: Logger;
  readonly keyring: Keyring | undefined;
  readonly migrate: boolean;
  readonly onClose: readonly (() => void | Promise<void>)[];
}

export async function openPostgres(databaseUrl: string, settings: OpenSettings): Promise<Store> {
  const store = new Store({ engine: "postgres", pool: createPostgresPool(databaseUrl), ...settings });
  await prepare(store, settings.migrate, `the PostgreSQL server at ${redactUrl(databaseUrl)}`);
  return store;
}

async function openEmbedded(dataDir: string, options: OpenSettings): Promise<Store> {
  mkdirSync(dataDir, { recursive: true });
  const lock: DataDirLock = acquireDataDirLock(join(dataDir, "db.lock"), `the embedded database in ${dataDir}`);
  let pglite: PGlite | undefined;
  try {
    pglite = await PGlite.create({ dataDir: join(dataDir, "db") });
  } catch (error) {
    lock.release();
    throw new RelanceError(
      "internal",
      `cannot open the embedded database in ${join(dataDir, "db")}: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  const instance = pglite;
  const store = new Store({
    engine: "pglite",
    pool: createPglitePool(instance),
    logger: options.logger,
    keyring: options.keyring,
    onClose: [() => instance.close(), () => lock.release(), ...options.onClose],
  });
  await prepare(store, options.migrate, `the embedded database in ${dataDir}`);
  // Statistics for every table once per start (counters of changes may not survive a crash); from then
  // on the store's maintenance analyses each table as it changes.
  await sql`ANALYZE`.execute(store.db).catch(async (error: unknown) => {
    await store.close();
    throw error;
  });
  return store;
}

/** Checks the connection and migrates; closes the store again if either fails. */
export async function prepare(store: Store, migrate: boolean, what: string): Promise<void> {
  try {
    await store.ping().catch((error: unknown) => {
      throw new RelanceError("provider_unavailable", `cannot reach ${what}: ${(error as Error).message}`, {
        retryable: true,
        cause: error,
      });
    });
    if (migrate) await store.migrate();
  } catch (error) {
    await store.close().catch(() => undefined);
    throw error;
  }
}

/** The URL without its password, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(unparsable DATABASE_URL)";
  }
}
