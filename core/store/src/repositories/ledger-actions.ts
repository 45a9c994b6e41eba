/**
 * Pending write-backs to the ledger (a credit note when a dispute is upheld, a late-fee invoice, a note
 * on the invoice's history), requested under an idempotency key so a retried step asks only once.
 *
 *   pending → done | failed | not_supported;  failed → done | failed (another attempt) | not_supported
 *
 * done and not_supported are final; repeating the same final mark returns the row unchanged (a retried
 * activity replaying its last step), any other change to them is a conflict.
 */
import { notFound, RelanceError } from "@relance/core";
import { type Selectable, sql } from "kysely";
import { Issues, isForeignKeyViolation, isPlainObject } from "../checks";
import type { Db, LedgerActionKind, LedgerActionStatus, LedgerActionsTable } from "../schema";
import { checkLimit, isUuid } from "../support";

export type { LedgerActionKind, LedgerActionStatus };

export const LEDGER_ACTION_KINDS: readonly LedgerActionKind[] = ["credit_note", "late_fee", "note"];

export interface LedgerAction {
  readonly id: string;
  readonly tenantId: string;
  readonly debtorId: string;
  readonly connectionId: string;
  readonly kind: LedgerActionKind;
  readonly payload: Record<string, unknown>;
  readonly status: LedgerActionStatus;
  readonly idempotencyKey: string;
  readonly attempts: number;
  readonly lastError: string | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export interface RequestedLedgerAction extends LedgerAction {
  /** True when this call inserted the row; false when the key had already requested it. */
  readonly created: boolean;
}

export interface RequestLedgerActionInput {
  readonly idempotencyKey: string;
  readonly debtorId: string;
  /** The ledger connection to write to: the debtor must come from it. */
  readonly connectionId: string;
  readonly kind: LedgerActionKind;
  readonly payload: Record<string, unknown>;
}

/** The result of one attempt to write the action to the ledger. */
export type LedgerActionResult =
  | { readonly status: "done" }
  | { readonly status: "failed"; readonly error: string }
  | { readonly status: "not_supported"; readonly error?: string };

export interface LedgerActionFilter {
  readonly status?: LedgerActionStatus | readonly LedgerActionStatus[];
  readonly debtorId?: string;
  readonly connectionId?: string;
  readonly kind?: LedgerActionKind;
}

function toAction(row: Selectable<LedgerActionsTable>): LedgerAction {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    debtorId: row.debtor_id,
    connectionId: row.connection_id,
    kind: row.kind,
    payload: row.payload,
    status: row.status,
    idempotencyKey: row.idempotency_key,
    attempts: row.attempts,
    lastError: row.last_error,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/**
 * Requests a write-back, or returns the one its key already requested. The same key for another debtor,
 * connection or kind is a conflict, never a silent match.
 */
export async function requestLedgerAction(
  db: Db,
  tenantId: string,
  input: RequestLedgerActionInput,
): Promise<RequestedLedgerAction> {
  const issues = new Issues();
  issues.text("idempotencyKey", input.idempotencyKey, { max: 255, required: true });
  issues.oneOf("kind", input.kind, LEDGER_ACTION_KINDS);
  if (!isPlainObject(input.payload)) issues.add("payload", "must be an object");
  issues.throwIfAny("invalid ledger action");
  if (!isUuid(tenantId) || !isUuid(input.debtorId) || !isUuid(input.connectionId)) throw notFound("debtor");

  const inserted = await db
    .insertInto("ledger_actions")
    .values({
      tenant_id: tenantId,
      debtor_id: input.debtorId,
      connection_id: input.connectionId,
      kind: input.kind,
      payload: JSON.stringify(input.payload),
      idempotency_key: input.idempotencyKey,
    })
    .onConflict((conflict) => conflict.columns(["tenant_id", "idempotency_key"]).doNothing())
    .returningAll()
    .executeTakeFirst()
    .catch((error: unknown) => {
      // The composite foreign key: no such debtor from this connection in this tenant.
      if (isForeignKeyViolation(error)) throw notFound("debtor");
      throw error;
    });
  if (inserted) return { ...toAction(inserted), created: true };
  const existing = await db
    .selectFrom("ledger_actions")
    .selectAll()
    .where("tenant_id", "=", tenantId)
    .where("idempotency_key", "=", input.idempotencyKey)
    .executeTakeFirst();
  if (
    !existing ||
    existing.debtor_id !== input.debtorId.toLowerCase() ||
    existing.connection_id !== input.connectionId.toLowerCase() ||
    existing.kind !== input.kind
  ) {
    throw new RelanceError("conflict", `idempotency key "${input.idempotencyKey}" is already used for another ledger action`);
  }
  return { ...toAction(existing), created: false };
}

export async function getLedgerAction(db: Db, tenantId: string, actionId: string): Promise<LedgerAction | undefined> {
  if (!isUuid(tenantId) || !isUuid(actionId)) return undefined;
  const row = await db
    .selectFrom("ledger_actions")
    .selectAll()
    .where("tenant_id", "=", tenantId)
    .where("id", "=", actionId)
    .executeTakeFirst();
  return row && toAction(row);
}

/** Ledger actions, oldest first (e.g. the pending and failed ones still to write). */
export async function listLedgerActions(
  db: Db,
  tenantId: string,
  filter: LedgerActionFilter & { limit: number },
): Promise<LedgerAction[]> {
  const limit = checkLimit(filter.limit);
  if (
    !isUuid(tenantId) ||
    (filter.debtorId !== undefined && !isUuid(filter.debtorId)) ||
    (filter.connectionId !== undefined && !isUuid(filter.connectionId))
  ) {
    return [];
  }
  let query = db.selectFrom("ledger_actions").selectAll().where("tenant_id", "=", tenantId);
  if (filter.debtorId !== undefined) query = query.where("debtor_id", "=", filter.debtorId);
  if (filter.connectionId !== undefined) query = query.where("connection_id", "=", filter.connectionId);
  if (filter.kind !== undefined) query = query.where("kind", "=", filter.kind);
  if (filter.status !== undefined) {
    const statuses: readonly LedgerActionStatus[] = typeof filter.status === "string" ? [filter.status] : filter.status;
    if (statuses.length === 0) return [];
    query = query.where("status", "in", statuses);
  }
  const rows = await query.orderBy("created_at").orderBy("id").limit(limit).execute();
  return rows.map(toAction);
}

/** Records the result of an attempt (each counts in `attempts`). */
export async function markLedgerAction(
  db: Db,
  tenantId: string,
  actionId: string,
  result: LedgerActionResult,
): Promise<LedgerAction> {
  const issues = new Issues();
  issues.oneOf("status", result.status, ["done", "failed", "not_supported"] as const);
  if (result.status === "failed") issues.text("error", result.error, { max: 10_000, required: true });
  if (result.status === "not_supported" && result.error !== undefined) issues.text("error", result.error, { max: 10_000 });
  issues.throwIfAny("invalid ledger action result");
  if (!isUuid(tenantId) || !isUuid(actionId)) throw notFound("ledger action");
  const lastError = result.status === "done" ? null : (result.error ?? null);
  const updated = await db
    .updateTable("ledger_actions")
    .set({
      status: result.status,
      last_error: lastError,
      attempts: sql<number>`attempts + 1`,
      updated_at: sql<Date>`now()`,
    })
    .where("tenant_id", "=", tenantId)
    .where("id", "=", actionId)
    .where("status", "in", ["pending", "failed"])
    .returningAll()
    .executeTakeFirst();
  if (updated) return toAction(updated);
  const current = await getLedgerAction(db, tenantId, actionId);
  if (!current) throw notFound("ledger action");
  if (current.status === result.status) return current;
  throw new RelanceError("conflict", `ledger action ${actionId} is already ${current.status}, it cannot become ${result.status}`);
}
