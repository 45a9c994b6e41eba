/** Reading the ledger: debtors, invoices, and the open position a case is planned on. */
import type { CaseSnapshot, DebtorOverrides, InvoiceStatus, Money, PostalAddress } from "@relance/core";
import { type Selectable, sql } from "kysely";
import type { Db, DebtorsTable, InvoicesTable } from "../schema";
import { checkLimit, decodeCursor, encodeCursor, isUuid, type Page, toPage } from "../support";

export interface DebtorRecord {
  readonly id: string;
  readonly tenantId: string;
  readonly connectionId: string;
  readonly externalId: string;
  readonly name: string;
  readonly emails: string[];
  readonly phone: string | null;
  readonly language: string | null;
  readonly kind: "b2b" | "b2c" | null;
  readonly address: PostalAddress | null;
  readonly timeZone: string | null;
  readonly tags: string[];
  /** Set by a credit controller: preferred channel and language, opt-outs, do-not-chase date, excluded invoices. */
  readonly overrides: DebtorOverrides;
  readonly paused: boolean;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export interface DebtorListItem extends DebtorRecord {
  /** Positive open balances, one per currency. */
  readonly openBalances: Money[];
}

export interface InvoiceRecord {
  readonly id: string;
  readonly tenantId: string;
  readonly connectionId: string;
  readonly debtorId: string;
  readonly externalId: string;
  readonly number: string;
  readonly currency: string;
  readonly totalMinor: number;
  readonly balanceMinor: number;
  readonly issueDate: string;
  readonly dueDate: string;
  readonly status: InvoiceStatus;
  readonly reference: string | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

function toDebtor(row: Selectable<DebtorsTable>): DebtorRecord {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    connectionId: row.connection_id,
    externalId: row.external_id,
    name: row.name,
    emails: row.emails,
    phone: row.phone,
    language: row.language,
    kind: row.kind,
    address: row.address as PostalAddress | null,
    timeZone: row.time_zone,
    tags: row.tags,
    overrides: row.overrides as DebtorOverrides,
    paused: row.paused,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function toInvoice(row: Selectable<InvoicesTable>): InvoiceRecord {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    connectionId: row.connection_id,
    debtorId: row.debtor_id,
    externalId: row.external_id,
    number: row.number,
    currency: row.currency,
    totalMinor: row.total_minor,
    balanceMinor: row.balance_minor,
    issueDate: row.issue_date,
    dueDate: row.due_date,
    status: row.status,
    reference: row.reference,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

const isNameCursor = (values: readonly unknown[]): values is [string, string] =>
  values.length === 2 && typeof values[0] === "string" && typeof values[1] === "string" && isUuid(values[1]);

const isDateCursor = (values: readonly unknown[]): values is [string, string] =>
  values.length === 2 &&
  typeof values[0] === "string" &&
  /^\d{4}-\d{2}-\d{2}$/.test(values[0]) &&
  typeof values[1] === "string" &&
  isUuid(values[1]);

/** Open balances per debtor: invoices that are open with something left to pay. */
async function openBalancesOf(db: Db, tenantId: string, debtorIds: readonly string[]): Promise<Map<string, Money[]>> {
  const balances = new Map<string, Money[]>();
  if (debtorIds.length === 0) return balances;
  const rows = await db
    .selectFrom("invoices")
    .select(["debtor_id", "currency", sql<number>`sum(balance_minor)::bigint`.as("amount")])
    .where("tenant_id", "=", tenantId)
    .where("debtor_id", "in", debtorIds)
    .where("status", "=", "open")
    .where("balance_minor", ">", 0)
    .groupBy(["debtor_id", "currency"])
    .orderBy("currency")
    .execute();
  for (const row of rows) {
    const list = balances.get(row.debtor_id) ?? [];
    list.push({ amountMinor: row.amount, currency: row.currency });
    balances.set(row.debtor_id, list);
  }
  return balances;
}

export interface ListDebtorsOptions {
  readonly limit: number;
  readonly cursor?: string;
  readonly connectionId?: string;
}

/** Debtors by name, with their open balances. */
export async function listDebtors(db: Db, tenantId: string, options: ListDebtorsOptions): Promise<Page<DebtorListItem>> {
  const limit = checkLimit(options.limit);
  if (!isUuid(tenantId) || (options.connectionId !== undefined && !isUuid(options.connectionId))) {
    return { items: [], nextCursor: null };
  }
  let query = db.selectFrom("debtors").selectAll().where("tenant_id", "=", tenantId);
  if (options.connectionId) query = query.where("connection_id", "=", options.connectionId);
  if (options.cursor) {
    const [name, id] = decodeCursor(options.cursor, isNameCursor);
    query = query.where((eb) => eb(eb.refTuple("name", "id"), ">", eb.tuple(name, id)));
  }
  const rows = await query
    .orderBy("name")
    .orderBy("id")
    .limit(limit + 1)
    .execute();
  const page = toPage(rows, limit, toDebtor, (row) => encodeCursor([row.name, row.id]));
  const balances = await openBalancesOf(
    db,
    tenantId,
    page.items.map((debtor) => debtor.id),
  );
  return {
    items: page.items.map((debtor) => ({ ...debtor, openBalances: balances.get(debtor.id) ?? [] })),
    nextCursor: page.nextCursor,
  };
}

export async function getDebtor(db: Db, tenantId: string, debtorId: string): Promise<DebtorRecord | undefined> {
  if (!isUuid(tenantId) || !isUuid(debtorId)) return undefined;
  const row = await db
    .selectFrom("debtors")
    .selectAll()
    .where("tenant_id", "=", tenantId)
    .where("id", "=", debtorId)
    .executeTakeFirst();
  return row && toDebtor(row);
}

export async function findDebtorByExternalId(
  db: Db,
  tenantId: string,
  connectionId: string,
  externalId: string,
): Promise<DebtorRecord | undefined> {
  if (!isUuid(tenantId) || !isUuid(connectionId)) return undefined;
  const row = await db
    .selectFrom("debtors")
    .selectAll()
    .where("tenant_id", "=", tenantId)
    .where("connection_id", "=", connectionId)
    .where("external_id", "=", externalId)
    .executeTakeFirst();
  return row && toDebtor(row);
}

/** Pauses or resumes collection for a debtor; false when there is no such debtor in this tenant. */
export async function setDebtorPaused(db: Db, tenantId: string, debtorId: string, paused: boolean): Promise<boolean> {
  if (!isUuid(tenantId) || !isUuid(debtorId)) return false;
  const result = await db
    .updateTable("debtors")
    .set({ paused })
    .where("tenant_id", "=", tenantId)
    .where("id", "=", debtorId)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export interface ListInvoicesOptions {
  readonly limit: number;
  readonly cursor?: string;
  readonly debtorId?: string;
  readonly status?: InvoiceStatus;
}

/** Invoices by due date (oldest first). */
export async function listInvoices(db: Db, tenantId: string, options: ListInvoicesOptions): Promise<Page<InvoiceRecord>> {
  const limit = checkLimit(options.limit);
  if (!isUuid(tenantId) || (options.debtorId !== undefined && !isUuid(options.debtorId))) {
    return { items: [], nextCursor: null };
  }
  let query = db.selectFrom("invoices").selectAll().where("tenant_id", "=", tenantId);
  if (options.debtorId) query = query.where("debtor_id", "=", options.debtorId);
  if (options.status) query = query.where("status", "=", options.status);
  if (options.cursor) {
    const [dueDate, id] = decodeCursor(options.cursor, isDateCursor);
    query = query.where((eb) => eb(eb.refTuple("due_date", "id"), ">", eb.tuple(dueDate, id)));
  }
  const rows = await query
    .orderBy("due_date")
    .orderBy("id")
    .limit(limit + 1)
    .execute();
  return toPage(rows, limit, toInvoice, (row) => encodeCursor([row.due_date, row.id]));
}

/** What planning needs about a debtor; all zero for an unknown debtor (nothing is owed). */
export async function getCaseSnapshot(db: Db, tenantId: string, debtorId: string): Promise<CaseSnapshot> {
  if (!isUuid(tenantId) || !isUuid(debtorId)) return { openBalances: [], oldestDueDate: null, openInvoiceCount: 0 };
  const rows = await db
    .selectFrom("invoices")
    .select([
      "currency",
      sql<number>`sum(balance_minor)::bigint`.as("amount"),
      sql<string>`min(due_date)`.as("oldest_due_date"),
      sql<number>`count(*)`.as("count"),
    ])
    .where("tenant_id", "=", tenantId)
    .where("debtor_id", "=", debtorId)
    .where("status", "=", "open")
    .where("balance_minor", ">", 0)
    .groupBy("currency")
    .orderBy("currency")
    .execute();
  const oldest = rows.map((row) => row.oldest_due_date).sort()[0] ?? null;
  return {
    openBalances: rows.map((row) => ({ amountMinor: row.amount, currency: row.currency })),
    oldestDueDate: oldest,
    openInvoiceCount: rows.reduce((total, row) => total + row.count, 0),
  };
}

/** A tenant's open invoices with a balance, oldest due first: what statements and cases are made of. */
function openInvoices(db: Db, tenantId: string) {
  return db
    .selectFrom("invoices")
    .selectAll()
    .where("tenant_id", "=", tenantId)
    .where("status", "=", "open")
    .where("balance_minor", ">", 0)
    .orderBy("due_date")
    .orderBy("number");
}

/** The invoices a message's statement lists: open, with a balance, oldest due first. */
export async function getOpenInvoices(db: Db, tenantId: string, debtorId: string): Promise<InvoiceRecord[]> {
  if (!isUuid(tenantId) || !isUuid(debtorId)) return [];
  const rows = await openInvoices(db, tenantId).where("debtor_id", "=", debtorId).execute();
  return rows.map(toInvoice);
}

/**
 * Several debtors with their open invoices, in two queries whatever their number: what a sync needs to
 * update every case an import changed. Unknown ids are left out.
 */
export async function getDebtorsWithOpenInvoices(
  db: Db,
  tenantId: string,
  debtorIds: readonly string[],
): Promise<Map<string, { debtor: DebtorRecord; invoices: InvoiceRecord[] }>> {
  const ids = debtorIds.filter(isUuid);
  const result = new Map<string, { debtor: DebtorRecord; invoices: InvoiceRecord[] }>();
  if (!isUuid(tenantId) || ids.length === 0) return result;
  const debtors = await db.selectFrom("debtors").selectAll().where("tenant_id", "=", tenantId).where("id", "in", ids).execute();
  for (const row of debtors) result.set(row.id, { debtor: toDebtor(row), invoices: [] });
  const invoices = await openInvoices(db, tenantId).where("debtor_id", "in", ids).execute();
  for (const row of invoices) result.get(row.debtor_id)?.invoices.push(toInvoice(row));
  return result;
}

/**
 * Everything a step re-reads right before acting, in one round trip: the debtor, and its open invoices
 * each with the part its open dispute holds back. Undefined when the debtor is not the tenant's.
 */
export async function getStepContext(
  db: Db,
  tenantId: string,
  debtorId: string,
): Promise<{ debtor: DebtorRecord; invoices: (InvoiceRecord & { readonly disputedMinor: number })[] } | undefined> {
  if (!isUuid(tenantId) || !isUuid(debtorId)) return undefined;
  const row = await db
    .selectFrom("debtors")
    .selectAll("debtors")
    .select(
      sql<OpenInvoiceJson[]>`coalesce((
        SELECT json_agg(json_build_object(
          'id', i.id, 'connection_id', i.connection_id, 'external_id', i.external_id, 'number', i.number,
          'currency', i.currency, 'total_minor', i.total_minor, 'balance_minor', i.balance_minor,
          'issue_date', i.issue_date, 'due_date', i.due_date, 'reference', i.reference,
          'created_at', i.created_at, 'updated_at', i.updated_at,
          'disputed_minor', coalesce((
            SELECT sum(x.amount_minor) FROM disputes x
            WHERE x.tenant_id = i.tenant_id AND x.invoice_id = i.id AND x.status IN ('open', 'in_mediation')
          ), 0)
        ) ORDER BY i.due_date, i.number)
        FROM invoices i
        WHERE i.tenant_id = debtors.tenant_id AND i.debtor_id = debtors.id AND i.status = 'open' AND i.balance_minor > 0
      ), '[]'::json)`.as("open_invoices"),
    )
    .where("debtors.tenant_id", "=", tenantId)
    .where("debtors.id", "=", debtorId)
    .executeTakeFirst();
  if (!row) return undefined;
  const { open_invoices: openInvoices, ...debtorRow } = row;
  const invoices = (typeof openInvoices === "string" ? (JSON.parse(openInvoices) as OpenInvoiceJson[]) : openInvoices).map(
    (invoice) => ({
      id: invoice.id,
      tenantId,
      connectionId: invoice.connection_id,
      debtorId,
      externalId: invoice.external_id,
      number: invoice.number,
      currency: invoice.currency.trim(),
      totalMinor: Number(invoice.total_minor),
      balanceMinor: Number(invoice.balance_minor),
      issueDate: invoice.issue_date,
      dueDate: invoice.due_date,
      status: "open" as const,
      reference: invoice.reference,
      createdAt: new Date(invoice.created_at),
      updatedAt: new Date(invoice.updated_at),
      disputedMinor: Number(invoice.disputed_minor),
    }),
  );
  return { debtor: toDebtor(debtorRow as Selectable<DebtorsTable>), invoices };
}

interface OpenInvoiceJson {
  readonly id: string;
  readonly connection_id: string;
  readonly external_id: string;
  readonly number: string;
  readonly currency: string;
  readonly total_minor: number | string;
  readonly balance_minor: number | string;
  readonly issue_date: string;
  readonly due_date: string;
  readonly reference: string | null;
  readonly created_at: string;
  readonly updated_at: string;
  readonly disputed_minor: number | string;
}
