/**
 * node-postgres pools for both engines, with the type parsers the schema relies on.
 */
import type { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { PgliteConnection } from "./pglite-connection";

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

/** Statements kept prepared per embedded session; texts beyond it run unprepared, so memory stays bounded. */
const MAX_PREPARED_STATEMENTS = 500;
/** More parameters than this is a one-off list (`IN ($1, …, $n)`), not a statement worth keeping. */
const MAX_PREPARED_PARAMETERS = 32;

/**
 * A pool of one connection over an embedded PGlite. Each client gets its own bridge connection object:
 * the pool discards a client after an error, and a bridge object that has seen `end()` cannot be reused.
 * PGlite runs one session, so inside a transaction every query must go through the transaction, or it
 * waits for a connection that will never be free.
 *
 * Parameterised queries run as named prepared statements: PGlite parses and plans in WebAssembly on
 * our own thread, and a statement parsed once and planned from cache costs less than half as much to
 * run again. The session outlives a discarded client, so a new client starts with `DEALLOCATE ALL`
 * and names its statements with its own prefix. (PostgreSQL keeps unnamed statements: poolers in
 * transaction mode may not carry prepared statements, and its parsing is not on our thread.)
 */
export function createPglitePool(pglite: PGlite): pg.Pool {
  let clients = 0;
  class PgliteClient extends pg.Client {
    readonly #prefix = `r${++clients}_`;
    readonly #prepared = new Map<string, string>();

    constructor(config?: pg.ClientConfig) {
      super({ ...config, connection: new PgliteConnection(pglite) } as pg.ClientConfig);
    }

    // biome-ignore lint/suspicious/noExplicitAny: pg's overloads (promise or callback) cannot be restated in a subclass
    override connect(...args: any[]): any {
      const callback = args[0] as ((error: Error | null, client?: pg.Client) => void) | undefined;
      const ready = super.connect().then(async () => {
        await super.query("DEALLOCATE ALL");
        return this;
      });
      if (!callback) return ready;
      ready.then(
        (client) => callback(null, client),
        (error: Error) => callback(error),
      );
    }

    // biome-ignore lint/suspicious/noExplicitAny: pg's overloads cannot be restated in a subclass
    override query(...args: any[]): any {
      const [text, values, callback] = args;
      if (typeof text === "string" && Array.isArray(values) && values.length <= MAX_PREPARED_PARAMETERS) {
        const name = this.#statementName(text);
        if (name) return super.query({ name, text, values }, callback);
      }
      return (super.query as (...rest: unknown[]) => unknown)(...args);
    }

    #statementName(text: string): string | undefined {
      const known = this.#prepared.get(text);
      if (known !== undefined || this.#prepared.size >= MAX_PREPARED_STATEMENTS) return known;
      const name = `${this.#prefix}${this.#prepared.size + 1}`;
      this.#prepared.set(text, name);
      return name;
    }
  }
  return new pg.Pool({ Client: PgliteClient, max: 1, idleTimeoutMillis: 0, types: storeTypeParsers() });
}
