/**
 * Building blocks for test stores (`@relance/store/testing`); `test/support/database.ts` assembles them.
 * Not for production code.
 */
import { randomBytes } from "node:crypto";
import { PGlite } from "@electric-sql/pglite";
import type { Logger } from "@relance/core";
import pg from "pg";
import { createPglitePool } from "./pools";
import { generateKeyring, type Keyring } from "./secret-box";
import { openPostgres, prepare, redactUrl, Store } from "./store";

export { generateKeyring };

export interface TestStoreOptions {
  readonly keyring?: Keyring;
  readonly logger?: Logger;
  /** The embedded engine's maintenance period (default 10 s). */
  readonly maintenanceIntervalMs?: number;
}

const quietLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * An in-memory PGlite migrated once; every `open()` gets a private copy of it (a clone is several
 * times faster than starting and migrating a new PGlite).
 */
export interface PgliteTemplate {
  open(options?: TestStoreOptions): Promise<Store>;
  close(): Promise<void>;
}

export async function createPgliteTemplate(): Promise<PgliteTemplate> {
  const template = await PGlite.create();
  const builder = new Store({
    engine: "pglite",
    pool: createPglitePool(template),
    logger: quietLogger,
    keyring: undefined,
    onClose: [],
  });
  await prepare(builder, true, "the template database");
  await builder.close();
  return {
    async open(options = {}) {
      // clone() is declared as returning the PGlite interface; it is a PGlite instance.
      const copy = (await template.clone()) as PGlite;
      const store = new Store({
        engine: "pglite",
        pool: createPglitePool(copy),
        logger: options.logger ?? quietLogger,
        keyring: options.keyring ?? generateKeyring(),
        onClose: [() => copy.close()],
        ...(options.maintenanceIntervalMs ? { maintenanceIntervalMs: options.maintenanceIntervalMs } : {}),
      });
      await prepare(store, true, "a test database");
      return store;
    },
    close: () => template.close(),
  };
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/**
 * A store on a new, empty database `relance_t_<random>` of the server at `adminUrl`, migrated; closing
 * the store drops the database.
 */
export async function openScratchPostgresStore(adminUrl: string, options: TestStoreOptions = {}): Promise<Store> {
  const database = `relance_t_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  try {
    await admin.connect();
    await admin.query(`CREATE DATABASE ${database}`);
  } catch (error) {
    throw new Error(`cannot create a test database on ${redactUrl(adminUrl)}: ${(error as Error).message}`, { cause: error });
  } finally {
    await admin.end().catch(() => undefined);
  }
  const drop = async (): Promise<void> => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      await client.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    } finally {
      await client.end();
    }
  };
  try {
    return await openPostgres(withDatabase(adminUrl, database), {
      logger: options.logger ?? quietLogger,
      keyring: options.keyring ?? generateKeyring(),
      migrate: true,
      // Runs once the store's own pool is closed.
      onClose: [drop],
    });
  } catch (error) {
    await drop().catch(() => undefined);
    throw error;
  }
}
