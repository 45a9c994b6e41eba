/**
 * Bulk upsert of ledger records. Each chunk is one INSERT … SELECT FROM unnest(arrays) … ON CONFLICT DO
 * UPDATE … WHERE something differs: one statement and a handful of parameters per few thousand rows,
 * and rows that did not change are not even rewritten (so applying the same data twice is a no-op).
 */
import {
  type CreditNote,
  type Debtor,
  type Invoice,
  type LedgerDeletion,
  notFound,
  type Payment,
  RelanceError,
  validationError,
} from "@relance/core";
import { type ExpressionBuilder, sql } from "kysely";
import type { Database, Db } from "../schema";
import { inTransaction, isUuid } from "../support";

export interface LedgerChanges {
  readonly debtors: readonly Debtor[];
  readonly invoices: readonly Invoice[];
  /** Kept for the record (what the ledger credited and received); balances come from the invoices. */
  readonly creditNotes?: readonly CreditNote[];
  readonly payments?: readonly Payment[];
  /** Records the ledger deleted: a deleted invoice is no longer owed (stored as void). */
  readonly deletions?: readonly LedgerDeletion[];
}

export interface UpsertCounts {
  readonly created: number;
  readonly updated: number;
  readonly unchanged: number;
}

export interface LedgerApplyResult {
  readonly debtors: UpsertCounts;
  readonly invoices: UpsertCounts;
  /**
   * Internal ids of the debtors whose open position changed: an open invoice appeared, disappeared
   * (paid, voided, moved to another debtor) or changed its balance, currency or due date. Sorted.
   */
  readonly changedDebtorIds: string[];
}

const CHUNK_SIZE = 5000;

/**
 * One record per external id, the later one winning (pages arrive oldest first), sorted by external id:
 * two syncs upserting overlapping rows then lock them in the same order and cannot deadlock.
 */
function lastWinsSorted<T extends { readonly externalId: string }>(records: readonly T[]): T[] {
  const byKey = new Map<string, T>();
  for (const record of records) byKey.set(record.externalId, record);
  return [...byKey.values()].sort((a, b) => (a.externalId < b.externalId ? -1 : a.externalId > b.externalId ? 1 : 0));
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const result: T[][] = [];
  for (let start = 0; start < items.length; start += size) result.push(items.slice(start, start + size));
  return result;
}

/** PostgreSQL data errors (class 22) and check violations: the ledger sent something the schema refuses. */
function asValidationError(error: unknown): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === "string" && (code.startsWith("22") || code === "23514")) {
    return new RelanceError("validation_failed", `ledger data refused by the database: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return error;
}

async function upsertDebtors(db: Db, tenantId: string, connectionId: string, debtors: readonly Debtor[]): Promise<UpsertCounts> {
  let created = 0;
  let updated = 0;
  for (const chunk of chunks(debtors, CHUNK_SIZE)) {
    const { rows } = await sql<{ inserted: boolean }>`
      INSERT INTO debtors AS d
        (tenant_id, connection_id, external_id, name, emails, phone, language, kind, address, time_zone, tags)
      SELECT ${tenantId}::uuid, ${connectionId}::uuid,
        t.external_id, t.name, t.emails, t.phone, t.language, t.kind, t.address, t.time_zone, t.tags
      FROM unnest(
        ${chunk.map((d) => d.externalId)}::text[],
        ${chunk.map((d) => d.name)}::text[],
        ${chunk.map((d) => JSON.stringify(d.emails ?? []))}::jsonb[],
        ${chunk.map((d) => d.phone ?? null)}::text[],
        ${chunk.map((d) => d.language ?? null)}::text[],
        ${chunk.map((d) => d.kind ?? null)}::text[],
        ${chunk.map((d) => (d.address === undefined ? null : JSON.stringify(d.address)))}::jsonb[],
        ${chunk.map((d) => d.timeZone ?? null)}::text[],
        ${chunk.map((d) => JSON.stringify(d.tags ?? []))}::jsonb[]
      ) AS t(external_id, name, emails, phone, language, kind, address, time_zone, tags)
      ON CONFLICT (tenant_id, connection_id, external_id) DO UPDATE SET
        name = excluded.name, emails = excluded.emails, phone = excluded.phone, language = excluded.language,
        kind = excluded.kind, address = excluded.address, time_zone = excluded.time_zone, tags = excluded.tags,
        updated_at = now()
      WHERE (d.name, d.emails, d.phone, d.language, d.kind, d.address, d.time_zone, d.tags)
        IS DISTINCT FROM
        (excluded.name, excluded.emails, excluded.phone, excluded.language, excluded.kind, excluded.address,
         excluded.time_zone, excluded.tags)
      RETURNING (d.xmax = 0) AS inserted`.execute(db);
    for (const row of rows) {
      if (row.inserted) created += 1;
      else updated += 1;
    }
  }
  return { created, updated, unchanged: debtors.length - created - updated };
}

/**
 * Runs ANALYZE on a table once it has more than doubled since its statistics were taken. PGlite never
 * analyzes by itself, and even PostgreSQL's autovacuum cannot see rows of a long import transaction;
 * without statistics the planner may probe a unique key through a tenant-wide index, scanning every row
 * of the tenant for each probe. Rows inserted by our own open transaction count (ANALYZE samples them).
 */
async function analyzeWhenGrown(db: Db, table: "debtors" | "invoices"): Promise<void> {
  const { rows } = await sql<{ known: number; actual: number }>`
    SELECT relpages::bigint AS known, (pg_relation_size(oid) / current_setting('block_size')::int)::bigint AS actual
    FROM pg_class WHERE oid = ${table}::regclass`.execute(db);
  const pages = rows[0];
  // SKIP_LOCKED: inside a transaction ANALYZE holds its lock until commit; two imports must not wait on
  // (or deadlock over) each other's statistics.
  if (pages && pages.actual >= 8 && pages.actual > 2 * pages.known) {
    await sql`ANALYZE (SKIP_LOCKED) ${sql.table(table)}`.execute(db);
  }
}

async function debtorIdsByExternalId(
  db: Db,
  tenantId: string,
  connectionId: string,
  externalIds: readonly string[],
): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  await analyzeWhenGrown(db, "debtors");
  for (const chunk of chunks(externalIds, CHUNK_SIZE)) {
    // One unique-index probe per id: "external_id = ANY(array)" would let a statistics-less planner
    // scan the tenant's debtors and search the whole array for each.
    const { rows } = await sql<{ id: string; external_id: string }>`
      SELECT d.id, d.external_id FROM unnest(${chunk}::text[]) AS wanted(external_id), LATERAL (
        SELECT id, external_id FROM debtors
        WHERE tenant_id = ${tenantId}::uuid AND connection_id = ${connectionId}::uuid
          AND external_id = wanted.external_id
        OFFSET 0
      ) d`.execute(db);
    for (const row of rows) ids.set(row.external_id, row.id);
  }
  return ids;
}

interface WrittenInvoice {
  inserted: boolean;
  debtor_id: string;
  previous_debtor_id: string | null;
  /** The invoice's contribution to the open position, as "currency|balance|due", or null when not open. */
  open_now: string | null;
  open_before: string | null;
}

async function upsertInvoices(
  db: Db,
  tenantId: string,
  connectionId: string,
  invoices: readonly Invoice[],
  debtorIds: ReadonlyMap<string, string>,
  changedDebtorIds: Set<string>,
): Promise<UpsertCounts> {
  let created = 0;
  let updated = 0;
  for (const chunk of chunks(invoices, CHUNK_SIZE)) {
    await analyzeWhenGrown(db, "invoices");
    // `previous` and `written` run on the same snapshot, so `previous` holds the rows as they were.
    // `previous` probes the unique index once per input row (OFFSET 0 keeps the planner from turning
    // the probe into a join that hashes all of the connection's invoices for every chunk), and it is
    // read in full before the insert starts: probing an index while the same statement grows it costs
    // a scan of every new entry per probe when the planner, without statistics (PGlite never
    // analyzes), picks a less selective index.
    const { rows } = await sql<WrittenInvoice>`
      WITH input AS (
        SELECT * FROM unnest(
          ${chunk.map((i) => i.externalId)}::text[],
          ${chunk.map((i) => debtorIds.get(i.debtorExternalId))}::uuid[],
          ${chunk.map((i) => i.number)}::text[],
          ${chunk.map((i) => i.currency)}::text[],
          ${chunk.map((i) => i.totalMinor)}::bigint[],
          ${chunk.map((i) => i.balanceMinor)}::bigint[],
          ${chunk.map((i) => i.issueDate)}::date[],
          ${chunk.map((i) => i.dueDate)}::date[],
          ${chunk.map((i) => i.status)}::text[],
          ${chunk.map((i) => i.reference ?? null)}::text[]
        ) AS t(external_id, debtor_id, number, currency, total_minor, balance_minor, issue_date, due_date, status, reference)
      ),
      previous AS MATERIALIZED (
        SELECT p.* FROM input, LATERAL (
          SELECT i.id, i.debtor_id, i.currency, i.balance_minor, i.due_date, i.status
          FROM invoices i
          WHERE i.tenant_id = ${tenantId}::uuid AND i.connection_id = ${connectionId}::uuid
            AND i.external_id = input.external_id
          OFFSET 0
        ) p
      ),
      written AS (
        INSERT INTO invoices AS i
          (tenant_id, connection_id, debtor_id, external_id, number, currency, total_minor, balance_minor,
           issue_date, due_date, status, reference)
        SELECT ${tenantId}::uuid, ${connectionId}::uuid, debtor_id, external_id, number, currency, total_minor,
          balance_minor, issue_date, due_date, status, reference
        FROM input
        -- An InitPlan: reads all of previous before the first row is written.
        WHERE (SELECT count(*) FROM previous) >= 0
        ON CONFLICT (tenant_id, connection_id, external_id) DO UPDATE SET
          debtor_id = excluded.debtor_id, number = excluded.number, currency = excluded.currency,
          total_minor = excluded.total_minor, balance_minor = excluded.balance_minor,
          issue_date = excluded.issue_date, due_date = excluded.due_date, status = excluded.status,
          reference = excluded.reference, updated_at = now()
        WHERE (i.debtor_id, i.number, i.currency, i.total_minor, i.balance_minor, i.issue_date, i.due_date,
               i.status, i.reference)
          IS DISTINCT FROM
          (excluded.debtor_id, excluded.number, excluded.currency, excluded.total_minor, excluded.balance_minor,
           excluded.issue_date, excluded.due_date, excluded.status, excluded.reference)
        RETURNING i.id, i.debtor_id, i.currency, i.balance_minor, i.due_date, i.status, (i.xmax = 0) AS inserted
      )
      SELECT w.inserted, w.debtor_id, p.debtor_id AS previous_debtor_id,
        CASE WHEN w.status = 'open' AND w.balance_minor > 0
          THEN concat_ws('|', w.currency, w.balance_minor, w.due_date) END AS open_now,
        CASE WHEN p.status = 'open' AND p.balance_minor > 0
          THEN concat_ws('|', p.currency, p.balance_minor, p.due_date) END AS open_before
      FROM written w LEFT JOIN previous p ON p.id = w.id`.execute(db);
    for (const row of rows) {
      if (row.inserted) created += 1;
      else updated += 1;
      const moved = row.previous_debtor_id !== null && row.previous_debtor_id !== row.debtor_id;
      if (moved) {
        if (row.open_before !== null && row.previous_debtor_id !== null) changedDebtorIds.add(row.previous_debtor_id);
        if (row.open_now !== null) changedDebtorIds.add(row.debtor_id);
      } else if (row.open_now !== row.open_before) {
        changedDebtorIds.add(row.debtor_id);
      }
    }
  }
  return { created, updated, unchanged: invoices.length - created - updated };
}

/**
 * Stores a batch of debtors and invoices from one connection, atomically (in the caller's transaction
 * when given one). Invoices name their debtor by external id: it must be in the batch or already stored.
 */
export async function applyLedgerChanges(
  db: Db,
  tenantId: string,
  connectionId: string,
  changes: LedgerChanges,
): Promise<LedgerApplyResult> {
  if (!isUuid(tenantId) || !isUuid(connectionId)) throw notFound("connection");
  const debtors = lastWinsSorted(changes.debtors);
  const invoices = lastWinsSorted(changes.invoices);
  return inTransaction(db, async (trx) => {
    const connection = await trx
      .selectFrom("connections")
      .select("id")
      .where("tenant_id", "=", tenantId)
      .where("id", "=", connectionId)
      .executeTakeFirst();
    if (!connection) throw notFound("connection");
    try {
      const debtorCounts = await upsertDebtors(trx, tenantId, connectionId, debtors);
      const referenced = [...new Set(invoices.map((invoice) => invoice.debtorExternalId))];
      const debtorIds = await debtorIdsByExternalId(trx, tenantId, connectionId, referenced);
      const orphans = invoices.filter((invoice) => !debtorIds.has(invoice.debtorExternalId));
      if (orphans.length > 0) {
        throw validationError(
          `${orphans.length} invoice(s) refer to a debtor that is neither in this batch nor stored`,
          orphans.slice(0, 50).map((invoice) => ({
            path: `invoices.${invoice.externalId}.debtorExternalId`,
            message: `unknown debtor "${invoice.debtorExternalId}"`,
          })),
        );
      }
      const changed = new Set<string>();
      const invoiceCounts = await upsertInvoices(trx, tenantId, connectionId, invoices, debtorIds, changed);
      await upsertCreditNotes(trx, tenantId, connectionId, lastWinsSorted(changes.creditNotes ?? []));
      await upsertPayments(trx, tenantId, connectionId, changes.payments ?? []);
      await applyDeletions(trx, tenantId, connectionId, changes.deletions ?? [], changed);
      return { debtors: debtorCounts, invoices: invoiceCounts, changedDebtorIds: [...changed].sort() };
    } catch (error) {
      throw asValidationError(error);
    }
  });
}

async function upsertCreditNotes(db: Db, tenantId: string, connectionId: string, notes: readonly CreditNote[]): Promise<void> {
  if (notes.length === 0) return;
  const debtorIds = await debtorIdsByExternalId(db, tenantId, connectionId, [
    ...new Set(notes.map((note) => note.debtorExternalId)),
  ]);
  const orphans = notes.filter((note) => !debtorIds.has(note.debtorExternalId));
  if (orphans.length > 0) {
    throw validationError(
      `${orphans.length} credit note(s) refer to a debtor that is neither in this batch nor stored`,
      orphans.slice(0, 50).map((note) => ({
        path: `creditNotes.${note.externalId}.debtorExternalId`,
        message: `unknown debtor "${note.debtorExternalId}"`,
      })),
    );
  }
  for (const chunk of chunks(notes, 500)) {
    await db
      .insertInto("ledger_credit_notes")
      .values(
        chunk.map((note) => ({
          tenant_id: tenantId,
          connection_id: connectionId,
          debtor_id: debtorIds.get(note.debtorExternalId) as string,
          external_id: note.externalId,
          number: note.number,
          currency: note.currency,
          total_minor: note.totalMinor,
          remaining_minor: note.remainingMinor,
          issue_date: note.issueDate,
          status: note.status,
          allocations: JSON.stringify(note.allocations),
        })),
      )
      .onConflict((conflict) =>
        conflict.columns(["tenant_id", "connection_id", "external_id"]).doUpdateSet((eb) => ({
          debtor_id: eb.ref("excluded.debtor_id"),
          number: eb.ref("excluded.number"),
          currency: eb.ref("excluded.currency"),
          total_minor: eb.ref("excluded.total_minor"),
          remaining_minor: eb.ref("excluded.remaining_minor"),
          issue_date: eb.ref("excluded.issue_date"),
          status: eb.ref("excluded.status"),
          allocations: eb.ref("excluded.allocations"),
          updated_at: sql<Date>`now()`,
        })),
      )
      .execute();
  }
}

async function upsertPayments(db: Db, tenantId: string, connectionId: string, payments: readonly Payment[]): Promise<void> {
  const byKey = new Map(payments.map((payment) => [`${payment.externalId}\u0000${payment.invoiceExternalId}`, payment]));
  const sorted = [...byKey.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, payment]) => payment);
  for (const chunk of chunks(sorted, 500)) {
    await db
      .insertInto("ledger_payments")
      .values(
        chunk.map((payment) => ({
          tenant_id: tenantId,
          connection_id: connectionId,
          external_id: payment.externalId,
          invoice_external_id: payment.invoiceExternalId,
          currency: payment.currency,
          amount_minor: payment.amountMinor,
          paid_on: payment.date,
          status: payment.status,
        })),
      )
      .onConflict((conflict) =>
        conflict.columns(["tenant_id", "connection_id", "external_id", "invoice_external_id"]).doUpdateSet((eb) => ({
          currency: eb.ref("excluded.currency"),
          amount_minor: eb.ref("excluded.amount_minor"),
          paid_on: eb.ref("excluded.paid_on"),
          status: eb.ref("excluded.status"),
          updated_at: sql<Date>`now()`,
        })),
      )
      .execute();
  }
}

async function applyDeletions(
  db: Db,
  tenantId: string,
  connectionId: string,
  deletions: readonly LedgerDeletion[],
  changed: Set<string>,
): Promise<void> {
  const idsOf = (kind: LedgerDeletion["kind"]) =>
    [...new Set(deletions.filter((deletion) => deletion.kind === kind).map((deletion) => deletion.externalId))].sort();
  const invoices = idsOf("invoice");
  if (invoices.length > 0) {
    const voided = await db
      .updateTable("invoices")
      .set({ status: "void", balance_minor: 0, updated_at: sql<Date>`now()` })
      .where("tenant_id", "=", tenantId)
      .where("connection_id", "=", connectionId)
      .where("external_id", "in", invoices)
      .where("status", "!=", "void")
      .returning("debtor_id")
      .execute();
    for (const row of voided) changed.add(row.debtor_id);
  }
  const notes = idsOf("credit_note");
  if (notes.length > 0) {
    await db
      .updateTable("ledger_credit_notes")
      .set({ status: "void", remaining_minor: 0, updated_at: sql<Date>`now()` })
      .where("tenant_id", "=", tenantId)
      .where("connection_id", "=", connectionId)
      .where("external_id", "in", notes)
      .execute();
  }
  const payments = idsOf("payment");
  if (payments.length > 0) {
    await db
      .updateTable("ledger_payments")
      .set({ status: "deleted", updated_at: sql<Date>`now()` })
      .where("tenant_id", "=", tenantId)
      .where("connection_id", "=", connectionId)
      .where(paymentIdIn(payments))
      .execute();
  }
}

/**
 * A ledger payment is stored once per invoice it paid, some connectors keying each part as
 * `{paymentId}:{invoiceId}`; a deletion names only the payment, so it matches every part.
 */
function paymentIdIn(paymentIds: readonly string[]) {
  return (eb: ExpressionBuilder<Database, "ledger_payments">) =>
    eb.or([
      eb("external_id", "in", paymentIds),
      ...paymentIds.map((id) => eb("external_id", "like", `${id.replace(/[\\%_]/g, "\\$&")}:%`)),
    ]);
}

/** The invoices (external ids) the given payments were applied to, as stored. */
export async function paymentInvoices(
  db: Db,
  tenantId: string,
  connectionId: string,
  paymentIds: readonly string[],
): Promise<string[]> {
  if (paymentIds.length === 0 || !isUuid(tenantId) || !isUuid(connectionId)) return [];
  const rows = await db
    .selectFrom("ledger_payments")
    .select("invoice_external_id")
    .distinct()
    .where("tenant_id", "=", tenantId)
    .where("connection_id", "=", connectionId)
    .where(paymentIdIn(paymentIds))
    .execute();
  return rows.map((row) => row.invoice_external_id).sort();
}
