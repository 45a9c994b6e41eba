/**
 * The QuickBooks query language fragments this connector sends. Values are quoted the way Intuit
 * documents (single quotes, backslash escapes); ids and timestamps come from Intuit or our own code.
 */
import type { SyncedEntity } from "./qbo-types";

/** Intuit's ceiling for MAXRESULTS, and CDC's per-entity ceiling. */
export const PAGE_SIZE = 1000;

export function quote(value: string): string {
  return `'${value.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
}

/** ISO 8601 in UTC to the second: what both query and CDC accept. Rounds down, so ">=" stays inclusive. */
export function isoSeconds(time: string | number | Date): string {
  const ms = typeof time === "string" ? Date.parse(time) : typeof time === "number" ? time : time.getTime();
  if (Number.isNaN(ms)) throw new RangeError(`"${String(time)}" is not a time`);
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(".000Z", "Z");
}

/**
 * Customers are a name list: Intuit answers `select * from Customer` (and its count) with the active
 * ones only, and `where Active IN (true, false)` with all of them. An inactive customer still owes its
 * open invoices, so every Customer query asks for both (the mapper tags inactive ones).
 */
export const ALL_CUSTOMERS = "Active IN (true, false)";

function where(entity: SyncedEntity, ...conditions: (string | undefined)[]): string {
  const all = [entity === "Customer" ? ALL_CUSTOMERS : undefined, ...conditions].filter(
    (condition): condition is string => condition !== undefined,
  );
  return all.length === 0 ? "" : `where ${all.join(" and ")} `;
}

const changedSince = (since: string | undefined) =>
  since === undefined ? undefined : `MetaData.LastUpdatedTime >= ${quote(since)}`;

/**
 * One page in change order: records changed at or after `since`, skipping `skip` of them. The order
 * has no tie-breaker among records changed in the same second (see nextPosition in sync.ts).
 */
export function pageTail(entity: SyncedEntity, since: string | undefined, skip: number): string {
  return `${where(entity, changedSince(since))}orderby MetaData.LastUpdatedTime startposition ${skip + 1} maxresults ${PAGE_SIZE}`;
}

/** A whole page query, as a batch item sends it (`query` sends `select * from {entity}` and the tail). */
export function pageQuery(entity: SyncedEntity, since: string | undefined, skip: number): string {
  return `select * from ${entity} ${pageTail(entity, since, skip)}`;
}

export function countQuery(entity: SyncedEntity, since: string | undefined): string {
  return `select count(*) from ${entity} ${where(entity, changedSince(since))}`.trim();
}

export function idsQuery(entity: SyncedEntity, ids: readonly string[]): string {
  return `select * from ${entity} ${where(entity, `Id in (${ids.map(quote).join(",")})`)}maxresults ${PAGE_SIZE}`;
}
