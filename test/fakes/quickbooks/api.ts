/**
 * The Accounting API v3 routes of the fake, for one realm: query, cdc, batch (queries), reads,
 * invoice create / sparse update (SyncToken checked), credit memo create.
 */
import { cdcWindowFault, fault, invalidReferenceFault, notFoundFault, staleObjectFault } from "./faults";
import {
  canonicalEntity,
  ENTITY_NAMES,
  type EntityName,
  intuitTime,
  matches,
  ordered,
  type ParsedQuery,
  parseQuery,
  type QboRecord,
  QueryError,
  round2,
} from "./ledger";
import type { FakeRealm } from "./realm";

export interface ApiAnswer {
  readonly status: number;
  readonly body: unknown;
  /** Counter name: "query", "cdc", "batch", "invoice.update"… */
  readonly endpoint: string;
}

const DAY_MS = 86_400_000;
/** CDC: 30 days of look-back, 1,000 objects per entity. */
const CDC_DAYS = 30;
const CDC_MAX = 1000;
const BATCH_MAX_ITEMS = 30;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

function queryError(error: QueryError, now: Date) {
  return fault("ValidationFault", error.message, error.detail, error.code, now);
}

/**
 * Name-list entities answer active records only unless the query filters on Active: Intuit's
 * `select * from Customer` returns the active customers, `where Active IN (true, false)` all of them.
 * (Reads by id and change data capture return inactive ones as they are.)
 */
function withImplicitActive(entity: string, query: ParsedQuery): ParsedQuery {
  if (entity !== "Customer" || query.where.some((condition) => condition.field.toLowerCase() === "active")) return query;
  return { ...query, where: [...query.where, { field: "Active", operator: "=", values: ["true"] }] };
}

/** Runs a query; the answer is the QueryResponse object. */
export function runQuery(realm: FakeRealm, text: string): Record<string, unknown> {
  const query = parseQuery(text);
  const entity = canonicalEntity(query.entity);
  if (entity === "CompanyInfo") return { CompanyInfo: [realm.companyInfo()], startPosition: 1, maxResults: 1 };
  if (entity === "Preferences") return { Preferences: [realm.preferences()], startPosition: 1, maxResults: 1 };
  if (entity === undefined || !ENTITY_NAMES.includes(entity as EntityName)) {
    throw new QueryError("Invalid query", `QueryValidationError: Property ${query.entity} not found`, "4001");
  }
  const found = realm.list(entity as EntityName).filter((record) => matches(record, withImplicitActive(entity, query)));
  if (query.count) return { totalCount: found.length };
  const page = ordered(found, query.orderBy).slice(query.startPosition - 1, query.startPosition - 1 + query.maxResults);
  // Intuit leaves the entity key (and the paging fields) out when nothing matches.
  return page.length === 0 ? {} : { [entity]: page, startPosition: query.startPosition, maxResults: page.length };
}

function cdc(realm: FakeRealm, params: URLSearchParams, now: Date): ApiAnswer {
  const changedSince = params.get("changedSince") ?? "";
  const since = Date.parse(changedSince);
  const entities = (params.get("entities") ?? "").split(",").map((name) => canonicalEntity(name.trim()));
  if (Number.isNaN(since) || entities.length === 0 || entities.some((entity) => entity === undefined)) {
    return {
      status: 400,
      endpoint: "cdc",
      body: fault("ValidationFault", "Invalid CDC request", "entities and changedSince are required", "2030", now),
    };
  }
  if (now.getTime() - since > CDC_DAYS * DAY_MS) return { status: 400, endpoint: "cdc", body: cdcWindowFault(changedSince, now) };
  const groups = entities.map((name) => {
    const entity = name as EntityName;
    const changed = realm
      .list(entity)
      .filter((record) => Date.parse(record.MetaData.LastUpdatedTime) >= since)
      .map((record) => ({ at: Date.parse(record.MetaData.LastUpdatedTime), record: record as Record<string, unknown> }));
    const deleted = realm.tombstones
      .filter((tombstone) => tombstone.entity === entity && tombstone.deletedAt >= since)
      .map((tombstone) => ({
        at: tombstone.deletedAt,
        record: {
          domain: "QBO",
          status: "Deleted",
          Id: tombstone.id,
          MetaData: { LastUpdatedTime: intuitTime(tombstone.deletedAt) },
        },
      }));
    const all = [...changed, ...deleted].sort((a, b) => a.at - b.at).slice(0, CDC_MAX);
    return all.length === 0 ? {} : { [entity]: all.map((entry) => entry.record), startPosition: 1, maxResults: all.length };
  });
  return {
    status: 200,
    endpoint: "cdc",
    body: { CDCResponse: [{ QueryResponse: groups }], time: intuitTime(now.getTime(), true) },
  };
}

function batch(realm: FakeRealm, body: unknown, now: Date): ApiAnswer {
  const items = isRecord(body) && Array.isArray(body.BatchItemRequest) ? body.BatchItemRequest : undefined;
  if (!items || items.length === 0 || items.length > BATCH_MAX_ITEMS) {
    return {
      status: 400,
      endpoint: "batch",
      body: fault(
        "ValidationFault",
        "Invalid batch request",
        `between 1 and ${BATCH_MAX_ITEMS} BatchItemRequest items are required`,
        "2020",
        now,
      ),
    };
  }
  const responses = items.map((item: unknown) => {
    const bId = isRecord(item) && typeof item.bId === "string" ? item.bId : "";
    if (!isRecord(item) || typeof item.Query !== "string") {
      return {
        bId,
        Fault: { Error: [{ Message: "Operation not supported by the fake", code: "4000" }], type: "ValidationFault" },
      };
    }
    try {
      return { bId, QueryResponse: runQuery(realm, item.Query) };
    } catch (error) {
      if (!(error instanceof QueryError)) throw error;
      return {
        bId,
        Fault: { Error: [{ Message: error.message, Detail: error.detail, code: error.code }], type: "ValidationFault" },
      };
    }
  });
  return { status: 200, endpoint: "batch", body: { BatchItemResponse: responses, time: intuitTime(now.getTime(), true) } };
}

function lineTotal(lines: unknown): number {
  if (!Array.isArray(lines)) return 0;
  return round2(
    lines
      .filter((line): line is Record<string, unknown> => isRecord(line) && line.DetailType === "SalesItemLineDetail")
      .reduce((sum, line) => sum + (typeof line.Amount === "number" ? line.Amount : 0), 0),
  );
}

function create(realm: FakeRealm, entity: "Invoice" | "CreditMemo", body: unknown, now: Date): ApiAnswer {
  const endpoint = `${entity.toLowerCase()}.create`;
  if (!isRecord(body))
    return {
      status: 400,
      endpoint,
      body: fault("ValidationFault", "Request has invalid or unsupported property", "body", "2010", now),
    };
  const customerId = isRecord(body.CustomerRef) && typeof body.CustomerRef.value === "string" ? body.CustomerRef.value : "";
  if (!realm.get("Customer", customerId))
    return { status: 400, endpoint, body: invalidReferenceFault(`Customer ${customerId}`, now) };
  const total = lineTotal(body.Line);
  if (total <= 0) {
    return {
      status: 400,
      endpoint,
      body: fault(
        "ValidationFault",
        "Required param missing, need to supply the required value for the API",
        "Required parameter Line.SalesItemLineDetail is missing in the request",
        "2020",
        now,
      ),
    };
  }
  const time = intuitTime(now.getTime());
  const txnDate = typeof body.TxnDate === "string" ? body.TxnDate : new Date(now).toISOString().slice(0, 10);
  const record: QboRecord = {
    ...body,
    Id: realm.newId(),
    SyncToken: "0",
    domain: "QBO",
    sparse: false,
    DocNumber: typeof body.DocNumber === "string" ? body.DocNumber : realm.newDocNumber(),
    TxnDate: txnDate,
    ...(entity === "Invoice" ? { DueDate: typeof body.DueDate === "string" ? body.DueDate : txnDate, LinkedTxn: [] } : {}),
    CurrencyRef: isRecord(body.CurrencyRef) ? body.CurrencyRef : { value: realm.homeCurrency },
    TotalAmt: total,
    Balance: total,
    ...(entity === "CreditMemo" ? { RemainingCredit: total } : {}),
    MetaData: { CreateTime: time, LastUpdatedTime: time },
  };
  realm.put(entity, record);
  return { status: 200, endpoint, body: { [entity]: record, time: intuitTime(now.getTime(), true) } };
}

function updateInvoice(realm: FakeRealm, body: unknown, now: Date): ApiAnswer {
  const endpoint = "invoice.update";
  if (!isRecord(body) || typeof body.Id !== "string" || typeof body.SyncToken !== "string") {
    return {
      status: 400,
      endpoint,
      body: fault("ValidationFault", "Required param missing", "Id and SyncToken are required for update", "2020", now),
    };
  }
  const current = realm.get("Invoice", body.Id);
  if (!current) return { status: 400, endpoint, body: notFoundFault("Invoice", body.Id, now) };
  if (current.SyncToken !== body.SyncToken) return { status: 400, endpoint, body: staleObjectFault(now) };
  const { Id: _id, SyncToken: _token, sparse, MetaData: _meta, ...fields } = body;
  const updated = realm.modify("Invoice", body.Id, sparse === true ? fields : { ...fields }, now);
  return { status: 200, endpoint, body: { Invoice: updated, time: intuitTime(now.getTime(), true) } };
}

function read(realm: FakeRealm, entity: EntityName, id: string, now: Date): ApiAnswer {
  const endpoint = `${entity.toLowerCase()}.read`;
  const record = realm.get(entity, id);
  if (!record) return { status: 400, endpoint, body: notFoundFault(entity, id, now) };
  return { status: 200, endpoint, body: { [entity]: record, time: intuitTime(now.getTime(), true) } };
}

/** `rest` is the path after /v3/company/{realm}/. */
export function handleApi(
  realm: FakeRealm,
  method: string,
  rest: string,
  params: URLSearchParams,
  body: unknown,
  now: Date,
): ApiAnswer {
  const [first = "", second] = rest.split("/");
  const resource = first.toLowerCase();
  if (method === "GET" && resource === "query") {
    try {
      return {
        status: 200,
        endpoint: "query",
        body: { QueryResponse: runQuery(realm, params.get("query") ?? ""), time: intuitTime(now.getTime(), true) },
      };
    } catch (error) {
      if (!(error instanceof QueryError)) throw error;
      return { status: 400, endpoint: "query", body: queryError(error, now) };
    }
  }
  if (method === "GET" && resource === "cdc") return cdc(realm, params, now);
  if (method === "POST" && resource === "batch") return batch(realm, body, now);
  if (method === "GET" && resource === "companyinfo") {
    return {
      status: 200,
      endpoint: "companyinfo",
      body: { CompanyInfo: realm.companyInfo(), time: intuitTime(now.getTime(), true) },
    };
  }
  if (method === "GET" && resource === "preferences") {
    return {
      status: 200,
      endpoint: "preferences",
      body: { Preferences: realm.preferences(), time: intuitTime(now.getTime(), true) },
    };
  }
  const entity = canonicalEntity(resource);
  if (entity !== undefined && ENTITY_NAMES.includes(entity as EntityName)) {
    if (method === "GET" && second) return read(realm, entity as EntityName, second, now);
    if (method === "POST" && entity === "Invoice" && params.get("operation") === "update") return updateInvoice(realm, body, now);
    if (method === "POST" && !params.get("operation") && (entity === "Invoice" || entity === "CreditMemo")) {
      return create(realm, entity, body, now);
    }
  }
  return {
    status: 400,
    endpoint: "unsupported",
    body: fault("ValidationFault", "Unsupported Operation", `Operation ${method} ${rest} is not supported.`, "500", now),
  };
}
