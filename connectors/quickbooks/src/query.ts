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

const changedSince = (since: string | undefined) =>
  since === undefined ? "" : `where MetaData.LastUpdatedTime >= ${quote(since)} `;

/** One page in change order: records changed at or after `since`, skipping `skip` of them. */
export function pageTail(since: string | undefined, skip: number): string {
  return `${changedSince(since)}orderby MetaData.LastUpdatedTime startposition ${skip + 1} maxresults ${PAGE_SIZE}`;
}

/** A whole page query, as a batch item sends it (`query` sends `select * from {entity}` and the tail). */
export function pageQuery(entity: SyncedEntity, since: string | undefined, skip: number): string {
  return `select * from ${entity} ${pageTail(since, skip)}`;
}

export function countQuery(entity: SyncedEntity, since: string | undefined): string {
  return `select count(*) from ${entity} ${changedSince(since)}`.trim();
}

export function idsQuery(entity: string, ids: readonly string[]): string {
  return `select * from ${entity} where Id in (${ids.map(quote).join(",")}) maxresults ${PAGE_SIZE}`;
}
