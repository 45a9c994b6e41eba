/**
 * listChanges and fetchChanged. Two ways to read what changed:
 * - Change data capture when the watermark is within Intuit's 30-day window: one call for all four
 *   entities. An entity that hits CDC's 1,000-record cap is read again (with those after it) by queries.
 * - Queries otherwise (first sync, old watermark). One opening batch call counts every entity's changes,
 *   reads the first page of 1,000 of each (the same query as every later page), and reads Preferences
 *   when the home currency is unknown: an entity of at most 1,000 changes is read entirely by it. The
 *   entities with more then go on by pages of 1,000 in change order, customers first, then invoices,
 *   credit memos, payments. The counts tell which page is the last, so no empty page is ever requested.
 *   The opening page hands over the first page of every entity at once: when there are more than 1,000
 *   customers, invoices in it may name customers of a later page, which the server completes (syncPage
 *   reads debtors a page names that are neither in it nor stored).
 * The watermark is the server's clock when the read started, less a minute of margin: every change
 * after it is read by the next sync, and a dormant ledger's watermark still moves forward (a largest
 * LastUpdatedTime would stay months old and push every later sync out of the CDC window).
 */
import { type Clock, type LedgerChange, type Logger, RelanceError, type SkippedRecord } from "@relance/core";
import type { BatchQuery, QboClient } from "./client";
import { decodeCursor, encodeCursor, type QueryCursor } from "./cursor";
import type { HomeCurrency } from "./home-currency";
import type { MappingError } from "./mappers";
import {
  batchResponseSchema,
  cdcResponseSchema,
  type QboRecords,
  qboCreditMemoSchema,
  qboCustomerSchema,
  qboDeletedSchema,
  qboInvoiceSchema,
  qboPaymentSchema,
  queryResponseSchema,
  SYNCED_ENTITIES,
  type SyncedEntity,
} from "./qbo-types";
import { countQuery, idsQuery, isoSeconds, PAGE_SIZE, pageQuery, pageTail } from "./query";
import { type Deletion, emptyRecords, KIND_OF, mapRecords, type QuickBooksChangePage } from "./records";

const DAY_MS = 86_400_000;
/** Intuit keeps 30 days of changes for CDC; an hour less leaves room for clock differences. */
export const CDC_WINDOW_MS = 30 * DAY_MS - 3_600_000;
/** Changes committed while a read runs may carry a time a little before the server's answer time. */
export const WATERMARK_MARGIN_MS = 60_000;
/** Ids per `Id in (…)` query, and queries per batch call (Intuit's batch limit is 30 items). */
const IDS_PER_QUERY = 500;
const BATCH_ITEMS = 30;

const SCHEMA = {
  Customer: qboCustomerSchema,
  Invoice: qboInvoiceSchema,
  CreditMemo: qboCreditMemoSchema,
  Payment: qboPaymentSchema,
} as const;

const ENTITY_OF: Readonly<Record<LedgerChange["kind"], SyncedEntity>> = {
  contact: "Customer",
  invoice: "Invoice",
  credit_note: "CreditMemo",
  payment: "Payment",
};

export interface SyncDependencies {
  readonly client: QboClient;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly homeCurrency: HomeCurrency;
}

const unexpected = (what: string) =>
  new RelanceError("provider_unavailable", `QuickBooks answered ${what} in an unexpected shape`, { retryable: true });

function timeOf(record: unknown): string | undefined {
  if (typeof record !== "object" || record === null || !("MetaData" in record)) return undefined;
  const meta = record.MetaData;
  if (typeof meta !== "object" || meta === null || !("LastUpdatedTime" in meta)) return undefined;
  return typeof meta.LastUpdatedTime === "string" ? meta.LastUpdatedTime : undefined;
}

const later = (a: string, b: string) => (Date.parse(a) >= Date.parse(b) ? a : b);
const earlier = (a: string, b: string) => (Date.parse(a) <= Date.parse(b) ? a : b);

function idOf(record: unknown): string | undefined {
  if (typeof record !== "object" || record === null || !("Id" in record)) return undefined;
  return typeof record.Id === "string" && record.Id !== "" ? record.Id : undefined;
}

function kindOfEntity(entity: string): SkippedRecord["kind"] {
  return (KIND_OF as Readonly<Record<string, SkippedRecord["kind"]>>)[entity] ?? "invoice";
}

/** Sorts raw entities into records and deletions; unreadable ones are skipped and logged. */
class Collector {
  readonly records: QboRecords = emptyRecords();
  readonly deletions: Deletion[] = [];
  readonly skipped: SkippedRecord[] = [];
  /**
   * `{entity}:{id}` of everything QuickBooks answered, readable or not: fetchChanged reports only what
   * is missing from it as deleted. A record QuickBooks returned exists even when it fails our schema or
   * mapping; reporting it deleted would void a real invoice.
   */
  readonly ids = new Set<string>();

  constructor(private readonly logger: Logger) {}

  add(entity: SyncedEntity, raw: unknown): void {
    const deleted = qboDeletedSchema.safeParse(raw);
    if (deleted.success) {
      this.ids.add(`${entity}:${deleted.data.Id}`);
      this.deletions.push({ kind: KIND_OF[entity], externalId: deleted.data.Id });
      return;
    }
    const parsed = SCHEMA[entity].safeParse(raw);
    if (!parsed.success) {
      const id = idOf(raw);
      if (id !== undefined) this.ids.add(`${entity}:${id}`);
      this.skipped.push({
        kind: KIND_OF[entity],
        externalId: id ?? "(no Id)",
        reason: `unreadable: ${parsed.error.issues.map((issue) => `${issue.path.join(".")} ${issue.message}`).join("; ")}`,
      });
      this.logger.warn(
        { entity, id, issues: parsed.error.issues.map((issue) => issue.path.join(".")) },
        "unreadable QuickBooks record skipped",
      );
      return;
    }
    this.ids.add(`${entity}:${parsed.data.Id}`);
    // The schema of `entity` parsed it, so it belongs in that entity's list.
    (this.records[entity] as unknown[]).push(parsed.data);
  }

  needsHomeCurrency(): boolean {
    return SYNCED_ENTITIES.some((entity) => this.records[entity].some((record) => !record.CurrencyRef?.value));
  }
}

export function createSync({ client, clock, logger, homeCurrency }: SyncDependencies) {
  async function toPage(
    collected: Collector,
    extra: { cursor?: string; watermark?: string; homeCurrency?: string },
  ): Promise<QuickBooksChangePage> {
    const currency =
      extra.homeCurrency ?? homeCurrency.known() ?? (collected.needsHomeCurrency() ? await homeCurrency.resolve() : "USD");
    const mapped = mapRecords(collected.records, { homeCurrency: currency });
    reportSkipped(mapped.skipped);
    const skipped = [
      ...collected.skipped,
      ...mapped.skipped.map((error) => ({ kind: kindOfEntity(error.entity), externalId: error.id, reason: error.message })),
    ];
    return {
      ...(skipped.length > 0 ? { skipped } : {}),
      debtors: mapped.debtors,
      invoices: mapped.invoices,
      creditNotes: mapped.creditNotes,
      payments: mapped.payments,
      deletions: collected.deletions,
      ...(extra.cursor === undefined ? {} : { cursor: extra.cursor }),
      ...(extra.watermark === undefined ? {} : { watermark: extra.watermark }),
    };
  }

  function reportSkipped(skipped: readonly MappingError[]) {
    for (const error of skipped) logger.warn({ entity: error.entity, id: error.id }, error.message);
  }

  function horizonOf(serverTime: string | undefined): string {
    const at = serverTime === undefined ? Number.NaN : Date.parse(serverTime);
    return isoSeconds((Number.isNaN(at) ? clock.now().getTime() : at) - WATERMARK_MARGIN_MS);
  }

  const finalWatermark = (since: string | undefined, horizon: string) => (since === undefined ? horizon : later(since, horizon));

  /**
   * The opening batch call: per entity its count and its first page, plus Preferences when the home
   * currency is unknown; at most 9 items (Intuit takes 30 per batch and advises 10). Intuit answers each
   * item under its bId, a query as `{ bId, QueryResponse: { Invoice: [...], startPosition, maxResults } }`
   * (no entity key when nothing matched), a count as `{ bId, QueryResponse: { totalCount } }`. Its answer
   * holds up to 4,000 records (a few MB of JSON): large, but one response instead of four.
   */
  async function open(state: QueryCursor): Promise<QuickBooksChangePage> {
    const items: BatchQuery[] = state.entities.flatMap((entity) => [
      { bId: `${entity}:count`, Query: countQuery(entity, state.since) },
      { bId: `${entity}:page`, Query: pageQuery(entity, state.since, 0) },
    ]);
    const learnCurrency = state.homeCurrency === undefined && homeCurrency.known() === undefined;
    if (learnCurrency) items.push({ bId: "Preferences", Query: "select * from Preferences" });
    const parsed = batchResponseSchema.safeParse(await client.batch(items));
    if (!parsed.success) throw unexpected("the opening batch");
    const answers = new Map(parsed.data.BatchItemResponse.map((item) => [item.bId, item]));
    const collected = new Collector(logger);
    const more: { entity: SyncedEntity; remaining: number; after: QueryCursor["after"] }[] = [];
    for (const entity of state.entities) {
      const counted = answers.get(`${entity}:count`);
      const total = counted?.QueryResponse?.totalCount;
      if (counted?.Fault !== undefined || typeof total !== "number") throw unexpected(`the ${entity} count`);
      const page = answers.get(`${entity}:page`);
      if (page?.QueryResponse === undefined || page.Fault !== undefined) throw unexpected(`the first ${entity} page`);
      const raw = page.QueryResponse[entity];
      const records: unknown[] = Array.isArray(raw) ? raw : [];
      for (const record of records) collected.add(entity, record);
      // A short page is the whole entity; a full one is too when the count says nothing is left.
      if (records.length >= PAGE_SIZE && total > records.length) {
        more.push({ entity, remaining: total - records.length, after: nextPosition(undefined, records) });
      }
    }
    if (learnCurrency) {
      const preferences = answers.get("Preferences")?.QueryResponse?.Preferences;
      homeCurrency.learn(Array.isArray(preferences) ? preferences[0] : undefined);
    }
    const answered = horizonOf(parsed.data.time);
    const horizon = state.horizon === undefined ? answered : earlier(state.horizon, answered);
    const known = homeCurrency.known() ?? state.homeCurrency;
    const currency = known === undefined ? {} : { homeCurrency: known };
    const [current, ...laterOnes] = more;
    if (current === undefined) return toPage(collected, { watermark: finalWatermark(state.since, horizon), ...currency });
    const next: QueryCursor = {
      v: 1,
      ...(state.since === undefined ? {} : { since: state.since }),
      horizon,
      entities: more.map((e) => e.entity) as QueryCursor["entities"],
      counts: more.map((e) => e.remaining),
      ...(current.after ? { after: current.after } : {}),
      ...(laterOnes.length > 0 ? { laterAfter: laterOnes.map((e) => e.after ?? null) } : {}),
      ...currency,
    };
    return toPage(collected, { cursor: encodeCursor(withoutUndefined(next)), ...currency });
  }

  async function readQueryPage(state: QueryCursor): Promise<QuickBooksChangePage> {
    if (state.counts === undefined) return open(state);
    const horizon = state.horizon ?? horizonOf(undefined);
    const collected = new Collector(logger);
    const [entity, ...laterEntities] = state.entities;
    const [remaining = 0, ...laterCounts] = state.counts;
    const [laterStart, ...laterAfter] = state.laterAfter ?? [];
    if (entity === undefined) {
      return toPage(collected, { watermark: finalWatermark(state.since, horizon), ...currencyOf(state) });
    }
    const body = queryResponseSchema.safeParse(
      await client.query(
        entity,
        pageTail(entity, state.after ? isoSeconds(state.after.time) : state.since, state.after?.skip ?? 0),
      ),
    );
    if (!body.success) throw unexpected(`the ${entity} query`);
    const raw = body.data.QueryResponse[entity];
    const records: unknown[] = Array.isArray(raw) ? raw : [];
    for (const record of records) collected.add(entity, record);

    const after = nextPosition(state.after, records);
    // With the count spent, what is left was changed after the count: at or after the horizon, so the
    // next sync reads it. Records changed during the read move behind the keyset and are read again.
    const entityDone = records.length < PAGE_SIZE || remaining - records.length <= 0;
    const next: QueryCursor | undefined = entityDone
      ? laterEntities.length > 0
        ? {
            ...state,
            horizon,
            entities: laterEntities as QueryCursor["entities"],
            counts: laterCounts,
            after: laterStart ?? undefined,
            laterAfter: laterAfter.length > 0 ? laterAfter : undefined,
          }
        : undefined
      : { ...state, horizon, counts: [remaining - records.length, ...laterCounts], ...(after ? { after } : {}) };
    if (next === undefined) {
      return toPage(collected, { watermark: finalWatermark(state.since, horizon), ...currencyOf(state) });
    }
    return toPage(collected, { cursor: encodeCursor(withoutUndefined(next)), ...currencyOf(state) });
  }

  async function readCdc(since: string): Promise<QuickBooksChangePage> {
    const answer = await client.changeDataCapture(SYNCED_ENTITIES, since);
    if (answer === "window_refused") {
      logger.info({ since }, "QuickBooks refused change data capture this far back: reading changes by queries");
      return readQueryPage({ v: 1, since, entities: [...SYNCED_ENTITIES] } as QueryCursor);
    }
    const parsed = cdcResponseSchema.safeParse(answer);
    if (!parsed.success) throw unexpected("change data capture");
    const byEntity = new Map<SyncedEntity, unknown[]>(SYNCED_ENTITIES.map((entity) => [entity, []]));
    for (const response of parsed.data.CDCResponse) {
      for (const group of response.QueryResponse ?? []) {
        for (const entity of SYNCED_ENTITIES) {
          const list = group[entity];
          if (Array.isArray(list)) byEntity.get(entity)?.push(...list);
        }
      }
    }
    const horizon = horizonOf(parsed.data.time);
    const firstCapped = SYNCED_ENTITIES.findIndex((entity) => (byEntity.get(entity)?.length ?? 0) >= PAGE_SIZE);
    const complete = firstCapped === -1 ? SYNCED_ENTITIES : SYNCED_ENTITIES.slice(0, firstCapped);
    const collected = new Collector(logger);
    for (const entity of complete) for (const record of byEntity.get(entity) ?? []) collected.add(entity, record);
    if (firstCapped === -1) return toPage(collected, { watermark: finalWatermark(since, horizon) });
    // Pages hand debtors over before what names them: the capped entity and those after it go by queries.
    const rest = SYNCED_ENTITIES.slice(firstCapped);
    logger.info({ since, entities: rest }, "QuickBooks change data capture hit its 1,000-record cap: reading by queries");
    return toPage(collected, { cursor: encodeCursor({ v: 1, since, horizon, entities: rest } as QueryCursor) });
  }

  async function listChanges(query: { readonly since?: string; readonly cursor?: string }): Promise<QuickBooksChangePage> {
    if (query.cursor !== undefined) return readQueryPage(decodeCursor(query.cursor));
    const since = query.since === undefined ? undefined : isoSeconds(query.since);
    if (since !== undefined && clock.now().getTime() - Date.parse(since) < CDC_WINDOW_MS) return readCdc(since);
    return readQueryPage({ v: 1, ...(since === undefined ? {} : { since }), entities: [...SYNCED_ENTITIES] } as QueryCursor);
  }

  async function batchQueries(items: readonly BatchQuery[], into: Collector): Promise<void> {
    for (let start = 0; start < items.length; start += BATCH_ITEMS) {
      const parsed = batchResponseSchema.safeParse(await client.batch(items.slice(start, start + BATCH_ITEMS)));
      if (!parsed.success) throw unexpected("a batch read");
      for (const item of parsed.data.BatchItemResponse) {
        const entity = SYNCED_ENTITIES.find((name) => item.bId.startsWith(`${name}:`));
        if (entity === undefined) continue;
        if (item.Fault !== undefined) throw new RelanceError("provider_rejected", `QuickBooks refused the ${entity} read`);
        const list = item.QueryResponse?.[entity];
        if (Array.isArray(list)) for (const record of list) into.add(entity, record);
      }
    }
  }

  function idQueries(entity: SyncedEntity, ids: readonly string[]): BatchQuery[] {
    const items: BatchQuery[] = [];
    for (let start = 0; start < ids.length; start += IDS_PER_QUERY) {
      items.push({ bId: `${entity}:${start}`, Query: idsQuery(entity, ids.slice(start, start + IDS_PER_QUERY)) });
    }
    return items;
  }

  /** One batch call for the named records, one more for the customers they name that were not asked for. */
  async function fetchChanged(changes: readonly LedgerChange[]): Promise<QuickBooksChangePage> {
    const wanted = new Map<SyncedEntity, Set<string>>();
    for (const change of changes) {
      const entity = ENTITY_OF[change.kind];
      const ids = wanted.get(entity) ?? new Set<string>();
      ids.add(change.externalId);
      wanted.set(entity, ids);
    }
    const collected = new Collector(logger);
    await batchQueries(
      SYNCED_ENTITIES.flatMap((entity) => idQueries(entity, [...(wanted.get(entity) ?? [])])),
      collected,
    );
    const named = [...collected.records.Invoice, ...collected.records.CreditMemo].map((record) => record.CustomerRef.value);
    const missingCustomers = [...new Set(named)].filter((id) => !collected.ids.has(`Customer:${id}`));
    if (missingCustomers.length > 0) await batchQueries(idQueries("Customer", missingCustomers), collected);
    for (const [entity, ids] of wanted) {
      for (const id of ids) {
        // Asked for and not answered at all: QuickBooks no longer has it (deleted since the event was
        // sent). One it answered but we could not read or map is in `ids`, skipped, never deleted.
        if (!collected.ids.has(`${entity}:${id}`)) collected.deletions.push({ kind: KIND_OF[entity], externalId: id });
      }
    }
    return toPage(collected, {});
  }

  return { listChanges, fetchChanged };
}

function currencyOf(state: QueryCursor): { homeCurrency?: string } {
  return state.homeCurrency === undefined ? {} : { homeCurrency: state.homeCurrency };
}

function withoutUndefined(cursor: QueryCursor): QueryCursor {
  return JSON.parse(JSON.stringify(cursor)) as QueryCursor;
}

/**
 * Keyset position after a page: its last change time, and how many records at that time were read.
 * The next page asks `LastUpdatedTime >= time`, ordered by LastUpdatedTime, from `skip + 1`.
 *
 * Why no Id tie-breaker (`ORDERBY MetaData.LastUpdatedTime, Id`): Intuit documents the clause as
 * `[ORDERBY OrderByClause]` and nowhere that it takes a second property; only third parties hint at
 * it (node-quickbooks joins several sort fields with commas). A query Intuit refused would stop every
 * sync by queries, so none is sent on a guess. And a tie-breaker would not remove the offset: the
 * keyset `(time, Id) > (t, lastId)` needs OR, which Intuit's WHERE does not support, so a page would
 * still start `skip` records into those changed at `t`; Id would only make those `skip` the same ones
 * on every call. What this approach rests on, then: LastUpdatedTime is to the second, so a tie is what
 * one second changed (a bulk import), and Intuit answers the same query over unchanged data in the same
 * order. What it cannot rule out: a record of that second already read that changes during the sync
 * leaves the tie, and the skip then passes over one unread record of that second (read again only when
 * it changes). Reading the tie again instead would cost a call per page for large ties, and loop for
 * ties of 1,000 or more.
 */
function nextPosition(previous: QueryCursor["after"], records: readonly unknown[]): QueryCursor["after"] {
  const times = records.map(timeOf).filter((time): time is string => time !== undefined);
  const last = times.at(-1);
  if (last === undefined) return previous;
  const lastMs = Date.parse(last);
  const atLast = times.filter((time) => Date.parse(time) === lastMs).length;
  const sameAsBefore = previous !== undefined && Date.parse(previous.time) === lastMs && atLast === records.length;
  return { time: last, skip: sameAsBefore ? previous.skip + atLast : atLast };
}
