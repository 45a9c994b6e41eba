/**
 * node-postgres pools for both engines, with the type parsers the schema relies on.
 */
import type { PGlite } from "@electric-sql/pglite";
import { PglitePgConnection } from "@electric-sql/pglite/node-postgres";
import pg from "pg";

const INT8 = 20;
const DATE = 1082;

function parseInt8(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value)) {
    throw new RangeError(`database returned the integer ${text}, beyond what a JS number holds exactly`);
  }
  return value;
}

/** int8 → number (refusing unsafe values), date → "YYYY-MM-DD" as stored (no time zone shift). */
export function storeTypeParsers(): pg.TypeOverrides {
  const types = new pg.TypeOverrides();
  types.setTypeParser(INT8, "text", parseInt8);
  types.setTypeParser(DATE, "text", (text: string) => text);
  return types;
}

export function createPostgresPool(connectionString: string): pg.Pool {
  return new pg.Pool({ connectionString, types: storeTypeParsers(), application_name: "relance", max: 10 });
}

/**
 * A pool of one connection over an embedded PGlite. Each client gets its own bridge connection object:
 * the pool discards a client after an error, and a bridge object that has seen `end()` cannot be reused.
 * PGlite runs one session, so inside a transaction every query must go through the transaction, or it
 * waits for a connection that will never be free.
 */
export function createPglitePool(pglite: PGlite): pg.Pool {
  class PgliteClient extends pg.Client {
    constructor(config?: pg.ClientConfig) {
      super({ ...config, connection: new PglitePgConnection({ pglite }) } as pg.ClientConfig);
    }
  }
  return new pg.Pool({ Client: PgliteClient, max: 1, idleTimeoutMillis: 0, types: storeTypeParsers() });
}
