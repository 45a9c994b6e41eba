/**
 * The outbox: the exactly-once guard for sends. A row is claimed under the step's idempotency key
 * (unique) before the provider is called; its status then records what is known about the send.
 *
 *   (claimed) sending → sent | failed | cancelled
 *                    ↘ in_doubt (the call may have reached the provider) → sending | sent | failed | cancelled
 *
 * Rows written before claims began as `pending` (reserved, no attempt yet), which still moves to sending.
 *
 * sent, failed and cancelled are final; repeating the same final transition returns the row unchanged,
 * so an activity retried after a crash can replay its last step.
 */
import { notFound, RelanceError } from "@relance/core";
import { type Selectable, sql } from "kysely";
import type { Db, OutboxStatus, OutboxTable } from "../schema";
import { checkLimit, isUuid } from "../support";

export interface OutboxMessage {
  /** Our message id: travels with the message (e.g. SendGrid custom_args) to match events back. */
  readonly id: string;
  readonly tenantId: string;
  readonly debtorId: string;
  readonly idempotencyKey: string;
  readonly stepId: string;
  readonly channel: string;
  readonly pluginId: string;
  readonly status: OutboxStatus;
  readonly attempts: number;
  readonly payload: Record<string, unknown>;
  readonly externalId: string | null;
  readonly lastError: string | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  readonly sentAt: Date | null;
}

export interface OutboxClaim extends OutboxMessage {
  /**
   * True when this call inserted the row and so holds its first attempt (status sending, attempts 1):
   * nothing can have reached the provider yet. False when the key was already taken: the row says
   * what earlier attempts did.
   */
  readonly created: boolean;
}

export interface ClaimOutboxInput {
  readonly idempotencyKey: string;
  readonly debtorId: string;
  readonly stepId: string;
  readonly channel: string;
  readonly pluginId: string;
  readonly payload: Record<string, unknown>;
}

function toMessage(row: Selectable<OutboxTable>): OutboxMessage {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    debtorId: row.debtor_id,
    idempotencyKey: row.idempotency_key,
    stepId: row.step_id,
    channel: row.channel,
    pluginId: row.plugin_id,
    status: row.status,
    attempts: row.attempts,
    payload: row.payload,
    externalId: row.external_id,
    lastError: row.last_error,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    sentAt: row.sent_at,
  };
}

/**
 * Claims the key for a first attempt: inserts the row already `sending` (one statement, where
 * reserving then marking took two), or returns the row already holding the key. A key already used
 * for another debtor, step, channel or plugin (or by another tenant) is a conflict, never a silent match.
 */
export async function claimOutbox(db: Db, tenantId: string, input: ClaimOutboxInput): Promise<OutboxClaim> {
  if (!isUuid(tenantId) || !isUuid(input.debtorId)) throw notFound("debtor");
  const inserted = await db
    .insertInto("outbox")
    .values({
      tenant_id: tenantId,
      debtor_id: input.debtorId,
      idempotency_key: input.idempotencyKey,
      step_id: input.stepId,
      channel: input.channel,
      plugin_id: input.pluginId,
      payload: JSON.stringify(input.payload),
      status: "sending",
      attempts: 1,
    })
    .onConflict((conflict) => conflict.column("idempotency_key").doNothing())
    .returningAll()
    .executeTakeFirst()
    .catch((error: unknown) => {
      // The composite foreign key: the debtor does not exist in this tenant.
      if ((error as { code?: unknown }).code === "23503") throw notFound("debtor");
      throw error;
    });
  if (inserted) return { ...toMessage(inserted), created: true };
  const existing = await db
    .selectFrom("outbox")
    .selectAll()
    .where("idempotency_key", "=", input.idempotencyKey)
    .executeTakeFirst();
  if (
    !existing ||
    existing.tenant_id !== tenantId ||
    existing.debtor_id !== input.debtorId ||
    existing.step_id !== input.stepId ||
    existing.channel !== input.channel ||
    existing.plugin_id !== input.pluginId
  ) {
    throw new RelanceError("conflict", `idempotency key "${input.idempotencyKey}" is already used for another message`);
  }
  return { ...toMessage(existing), created: false };
}

const OPEN: readonly OutboxStatus[] = ["pending", "sending", "in_doubt"];

async function transition(
  db: Db,
  tenantId: string,
  messageId: string,
  to: OutboxStatus,
  changes: { external_id?: string; last_error?: string | null },
  sameAsDone: (row: Selectable<OutboxTable>) => boolean,
): Promise<OutboxMessage> {
  if (!isUuid(tenantId) || !isUuid(messageId)) throw notFound("outbox message");
  const updated = await db
    .updateTable("outbox")
    .set({
      status: to,
      ...changes,
      ...(to === "sending" ? { attempts: sql<number>`attempts + 1` } : {}),
      ...(to === "sent" ? { sent_at: sql<Date>`now()` } : {}),
      updated_at: sql<Date>`now()`,
    })
    .where("tenant_id", "=", tenantId)
    .where("id", "=", messageId)
    .where("status", "in", OPEN)
    .returningAll()
    .executeTakeFirst();
  if (updated) return toMessage(updated);
  const current = await db
    .selectFrom("outbox")
    .selectAll()
    .where("tenant_id", "=", tenantId)
    .where("id", "=", messageId)
    .executeTakeFirst();
  if (!current) throw notFound("outbox message");
  if (current.status === to && sameAsDone(current)) return toMessage(current);
  throw new RelanceError("conflict", `outbox message ${messageId} is already ${current.status}, it cannot become ${to}`);
}

/** Records an attempt to call the provider; returns the attempt number (1 for the first). */
export async function markOutboxSending(db: Db, tenantId: string, messageId: string): Promise<number> {
  const message = await transition(db, tenantId, messageId, "sending", {}, () => false);
  return message.attempts;
}

export function markOutboxSent(db: Db, tenantId: string, messageId: string, externalId: string): Promise<OutboxMessage> {
  return transition(
    db,
    tenantId,
    messageId,
    "sent",
    { external_id: externalId, last_error: null },
    (row) => row.external_id === externalId,
  );
}

export function markOutboxCancelled(db: Db, tenantId: string, messageId: string, reason: string): Promise<OutboxMessage> {
  return transition(db, tenantId, messageId, "cancelled", { last_error: reason }, () => true);
}

/** The provider may or may not have the message (timeout, crash mid-call): reconcile before retrying. */
export function markOutboxInDoubt(db: Db, tenantId: string, messageId: string, reason: string): Promise<OutboxMessage> {
  return transition(db, tenantId, messageId, "in_doubt", { last_error: reason }, () => true);
}

export function markOutboxFailed(db: Db, tenantId: string, messageId: string, error: string): Promise<OutboxMessage> {
  return transition(db, tenantId, messageId, "failed", { last_error: error }, () => true);
}

export async function getOutboxMessage(db: Db, tenantId: string, messageId: string): Promise<OutboxMessage | undefined> {
  if (!isUuid(tenantId) || !isUuid(messageId)) return undefined;
  const row = await db
    .selectFrom("outbox")
    .selectAll()
    .where("tenant_id", "=", tenantId)
    .where("id", "=", messageId)
    .executeTakeFirst();
  return row && toMessage(row);
}

export async function findOutboxByKey(db: Db, tenantId: string, idempotencyKey: string): Promise<OutboxMessage | undefined> {
  if (!isUuid(tenantId)) return undefined;
  const row = await db
    .selectFrom("outbox")
    .selectAll()
    .where("tenant_id", "=", tenantId)
    .where("idempotency_key", "=", idempotencyKey)
    .executeTakeFirst();
  return row && toMessage(row);
}

/**
 * Finds a message by its id alone, across tenants: for provider webhooks, which carry our message id
 * but no tenant. The caller must take the tenant from the result, never from the request.
 */
export async function findOutboxByMessageId(db: Db, messageId: string): Promise<OutboxMessage | undefined> {
  if (!isUuid(messageId)) return undefined;
  const row = await db.selectFrom("outbox").selectAll().where("id", "=", messageId).executeTakeFirst();
  return row && toMessage(row);
}

export interface OutboxFilter {
  readonly status?: OutboxStatus | readonly OutboxStatus[];
  readonly debtorId?: string;
}

export async function countOutbox(db: Db, tenantId: string, filter: OutboxFilter = {}): Promise<number> {
  if (!isUuid(tenantId) || (filter.debtorId !== undefined && !isUuid(filter.debtorId))) return 0;
  let query = db.selectFrom("outbox").select(sql<number>`count(*)`.as("count")).where("tenant_id", "=", tenantId);
  if (filter.debtorId) query = query.where("debtor_id", "=", filter.debtorId);
  if (filter.status !== undefined) {
    const statuses: readonly OutboxStatus[] = typeof filter.status === "string" ? [filter.status] : filter.status;
    query = query.where("status", "in", statuses);
  }
  const row = await query.executeTakeFirstOrThrow();
  return row.count;
}

/** Messages, oldest first (e.g. the in_doubt ones waiting for a human). */
export async function listOutbox(db: Db, tenantId: string, filter: OutboxFilter & { limit: number }): Promise<OutboxMessage[]> {
  const limit = checkLimit(filter.limit);
  if (!isUuid(tenantId) || (filter.debtorId !== undefined && !isUuid(filter.debtorId))) return [];
  let query = db.selectFrom("outbox").selectAll().where("tenant_id", "=", tenantId);
  if (filter.debtorId) query = query.where("debtor_id", "=", filter.debtorId);
  if (filter.status !== undefined) {
    const statuses: readonly OutboxStatus[] = typeof filter.status === "string" ? [filter.status] : filter.status;
    query = query.where("status", "in", statuses);
  }
  const rows = await query.orderBy("created_at").orderBy("id").limit(limit).execute();
  return rows.map(toMessage);
}

/**
 * Marks a message sent and records it on the timeline in one statement (one round trip per send). Falls
 * back to the two steps when the row was not open (a retry replaying its last step).
 */
export async function markOutboxSentAndRecord(
  db: Db,
  tenantId: string,
  messageId: string,
  externalId: string,
  entry: {
    readonly debtorId: string;
    readonly channel: string;
    readonly status: string;
    readonly summary: string;
    readonly detail: Record<string, unknown>;
  },
): Promise<void> {
  if (!isUuid(tenantId) || !isUuid(messageId)) throw notFound("outbox message");
  const recorded = await sql<{ id: string }>`
    WITH sent AS (
      UPDATE outbox SET status = 'sent', external_id = ${externalId}, last_error = NULL, sent_at = now(), updated_at = now()
      WHERE tenant_id = ${tenantId} AND id = ${messageId} AND status IN ('pending', 'sending', 'in_doubt')
      RETURNING id
    )
    INSERT INTO communications (tenant_id, debtor_id, message_id, kind, channel, status, summary, detail, occurred_at)
    SELECT ${tenantId}, ${entry.debtorId}, sent.id, 'message', ${entry.channel}, ${entry.status}, ${entry.summary},
      ${JSON.stringify(entry.detail)}::jsonb, ${new Date()}
    FROM sent
    RETURNING id`.execute(db);
  if (recorded.rows.length > 0) return;
  await markOutboxSent(db, tenantId, messageId, externalId);
  await db
    .insertInto("communications")
    .values({
      tenant_id: tenantId,
      debtor_id: entry.debtorId,
      message_id: messageId,
      kind: "message",
      channel: entry.channel,
      status: entry.status,
      summary: entry.summary,
      detail: JSON.stringify(entry.detail),
      occurred_at: new Date(),
    })
    .execute();
}
