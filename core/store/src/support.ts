/** Small helpers shared by the repositories. */
import { validationError } from "@relance/core";
import type { Db } from "./schema";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids come from URLs: anything that is not a uuid simply matches no row (instead of a SQL error). */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/** Runs `fn` in the caller's transaction when there is one, else in a new one. */
export function inTransaction<T>(db: Db, fn: (trx: Db) => Promise<T>): Promise<T> {
  return db.isTransaction ? fn(db) : db.transaction().execute(fn);
}

const POSTGRES_UNIQUE_VIOLATION = "23505";

export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  if (typeof error !== "object" || error === null) return false;
  const { code, constraint: name } = error as { code?: unknown; constraint?: unknown };
  return code === POSTGRES_UNIQUE_VIOLATION && (constraint === undefined || name === constraint);
}

export const MAX_PAGE_SIZE = 1000;

export function checkLimit(limit: number): number {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
    throw validationError("invalid page size", [{ path: "limit", message: `must be an integer from 1 to ${MAX_PAGE_SIZE}` }]);
  }
  return limit;
}

export interface Page<T> {
  readonly items: T[];
  /** Pass it back to get the next page; null on the last page. */
  readonly nextCursor: string | null;
}

/** Opaque keyset cursors: the sort key of the last row seen, as base64url JSON. */
export function encodeCursor(values: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(values), "utf8").toString("base64url");
}

export function decodeCursor<T extends readonly unknown[]>(
  cursor: string,
  isValid: (values: readonly unknown[]) => values is T,
): T {
  let values: unknown;
  try {
    values = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    values = undefined;
  }
  if (!Array.isArray(values) || !isValid(values)) {
    throw validationError("invalid cursor", [{ path: "cursor", message: "not a cursor returned by this list" }]);
  }
  return values;
}

/** Keyset pagination: asks for one row more than the page to know whether another page follows. */
export function toPage<Row, Item>(
  rows: Row[],
  limit: number,
  toItem: (row: Row) => Item,
  cursorOf: (row: Row) => string,
): Page<Item> {
  const more = rows.length > limit;
  const pageRows = more ? rows.slice(0, limit) : rows;
  const last = pageRows.at(-1);
  return { items: pageRows.map(toItem), nextCursor: more && last !== undefined ? cursorOf(last) : null };
}
