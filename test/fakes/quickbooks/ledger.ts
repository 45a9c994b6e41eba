/**
 * The data of one fake QuickBooks company (realm): entities as Intuit serialises them, tombstones of
 * deleted ones for change data capture, and the query language subset the connector and SDKs send.
 */

export type EntityName = "Customer" | "Invoice" | "Payment" | "CreditMemo";
export type QboRecord = Record<string, unknown> & {
  Id: string;
  SyncToken: string;
  MetaData: { CreateTime: string; LastUpdatedTime: string };
};

export const ENTITY_NAMES: readonly EntityName[] = ["Customer", "Invoice", "Payment", "CreditMemo"];

const CANONICAL: Readonly<Record<string, string>> = {
  customer: "Customer",
  invoice: "Invoice",
  payment: "Payment",
  creditmemo: "CreditMemo",
  companyinfo: "CompanyInfo",
  preferences: "Preferences",
};

export function canonicalEntity(name: string): string | undefined {
  return CANONICAL[name.toLowerCase()];
}

/** Intuit writes times in the company's zone (Pacific for sandboxes): "2015-07-24T10:35:08-07:00". */
export function intuitTime(ms: number, withMillis = false): string {
  const shifted = new Date(ms - 7 * 3_600_000).toISOString();
  return `${withMillis ? shifted.slice(0, 23) : shifted.slice(0, 19)}-07:00`;
}

export const round2 = (value: number) => Math.round(value * 100) / 100;

export class QueryError extends Error {
  constructor(
    message: string,
    readonly detail: string,
    readonly code = "4000",
  ) {
    super(message);
  }
}

export interface ParsedQuery {
  readonly entity: string;
  readonly count: boolean;
  readonly where: readonly { field: string; operator: string; values: string[] }[];
  readonly orderBy?: { field: string; descending: boolean };
  readonly startPosition: number;
  readonly maxResults: number;
}

const QUERY =
  /^\s*select\s+(\*|count\(\*\))\s+from\s+(\w+)(?:\s+where\s+(.+?))?(?:\s+order\s*by\s+([\w.]+)(?:\s+(asc|desc))?)?(?:\s+startposition\s+(\d+))?(?:\s+maxresults\s+(\d+))?\s*$/is;
const CONDITION = /^\s*([\w.]+)\s*(>=|<=|<>|!=|=|<|>|\bin\b|\blike\b)\s*(.+?)\s*$/is;

function unquote(text: string): string {
  const trimmed = text.trim();
  const match = /^'((?:[^'\\]|\\.)*)'$/s.exec(trimmed);
  if (match) return (match[1] ?? "").replace(/\\(.)/g, "$1");
  return trimmed;
}

function splitList(text: string): string[] {
  const inner = /^\((.*)\)$/s.exec(text.trim())?.[1];
  if (inner === undefined) throw new QueryError("Error parsing query", "QueryParserError: IN expects a list");
  return (inner.match(/'(?:[^'\\]|\\.)*'|[^,\s]+/g) ?? []).map(unquote);
}

/** Splits on top-level " and " (outside quotes). */
function splitAnd(text: string): string[] {
  const parts: string[] = [];
  let current = "";
  let quoted = false;
  for (let index = 0; index < text.length; index += 1) {
    const char = text[index] as string;
    if (char === "\\" && quoted) {
      current += char + (text[index + 1] ?? "");
      index += 1;
      continue;
    }
    if (char === "'") quoted = !quoted;
    if (!quoted && /^\sand\s/i.test(text.slice(index, index + 5))) {
      parts.push(current);
      current = "";
      index += 4;
      continue;
    }
    current += char;
  }
  parts.push(current);
  return parts;
}

export function parseQuery(text: string): ParsedQuery {
  const match = QUERY.exec(text);
  if (!match) throw new QueryError("Error parsing query", `QueryParserError: Encountered an unexpected token in "${text}"`);
  const [, selection = "*", entity = "", where, orderField, direction, start, max] = match;
  const maxResults = max === undefined ? 100 : Number(max);
  if (maxResults > 1000) {
    throw new QueryError("Invalid query", "QueryValidationError: value 1000 exceeded for MAXRESULTS", "4001");
  }
  const conditions = (where === undefined ? [] : splitAnd(where)).map((part) => {
    const condition = CONDITION.exec(part);
    if (!condition) throw new QueryError("Error parsing query", `QueryParserError: cannot read condition "${part.trim()}"`);
    const [, field = "", operator = "", value = ""] = condition;
    const op = operator.toLowerCase();
    return { field, operator: op, values: op === "in" ? splitList(value) : [unquote(value)] };
  });
  return {
    entity,
    count: selection !== "*",
    where: conditions,
    ...(orderField ? { orderBy: { field: orderField, descending: direction?.toLowerCase() === "desc" } } : {}),
    startPosition: Math.max(1, start === undefined ? 1 : Number(start)),
    maxResults,
  };
}

function fieldValue(record: Record<string, unknown>, path: string): unknown {
  let value: unknown = record;
  for (const part of path.split(".")) {
    if (typeof value !== "object" || value === null) return undefined;
    const entry = Object.entries(value).find(([key]) => key.toLowerCase() === part.toLowerCase());
    value = entry?.[1];
    // References compare by their value: "CustomerRef = '1'".
    if (typeof value === "object" && value !== null && "value" in value && !Array.isArray(value)) {
      const ref = (value as { value: unknown }).value;
      if (typeof ref === "string" && part === path.split(".").at(-1)) value = ref;
    }
  }
  return value;
}

function compare(a: unknown, b: string, field: string): number {
  if (/time$|date$/i.test(field)) return Date.parse(String(a)) - Date.parse(b);
  if (typeof a === "number") return a - Number(b);
  if (field.toLowerCase() === "id") return Number(a) - Number(b);
  const left = String(a ?? "");
  return left < b ? -1 : left > b ? 1 : 0;
}

export function matches(record: Record<string, unknown>, query: ParsedQuery): boolean {
  return query.where.every(({ field, operator, values }) => {
    const value = fieldValue(record, field);
    const first = values[0] ?? "";
    switch (operator) {
      case "=":
        return compare(value, first, field) === 0;
      case "<>":
      case "!=":
        return compare(value, first, field) !== 0;
      case ">":
        return compare(value, first, field) > 0;
      case ">=":
        return compare(value, first, field) >= 0;
      case "<":
        return compare(value, first, field) < 0;
      case "<=":
        return compare(value, first, field) <= 0;
      case "in":
        return values.some((candidate) => compare(value, candidate, field) === 0);
      case "like": {
        const pattern = new RegExp(`^${first.replace(/[.*+?^${}()|[\]\\]/g, "\\$&").replace(/%/g, ".*")}$`, "i");
        return pattern.test(String(value ?? ""));
      }
      default:
        return false;
    }
  });
}

/** Orders by the requested field, ties by numeric Id (a stable order keyset paging can rely on). */
export function ordered(records: Record<string, unknown>[], orderBy: ParsedQuery["orderBy"]): Record<string, unknown>[] {
  const byId = (a: Record<string, unknown>, b: Record<string, unknown>) => Number(a.Id) - Number(b.Id);
  if (!orderBy) return [...records].sort(byId);
  const sign = orderBy.descending ? -1 : 1;
  return [...records].sort((a, b) => {
    const left = fieldValue(a, orderBy.field);
    const right = fieldValue(b, orderBy.field);
    const difference = compare(left, String(right ?? ""), orderBy.field);
    return difference === 0 || Number.isNaN(difference) ? byId(a, b) : sign * difference;
  });
}
