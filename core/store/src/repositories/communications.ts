/**
 * The communication log: an append-only record of everything said to or heard from a debtor, and of
 * the decisions taken. The database refuses UPDATE, DELETE and TRUNCATE on it (a trigger).
 */
import { type Selectable, sql } from "kysely";
import type { CommunicationKind, CommunicationsTable, Db } from "../schema";
import { checkLimit, decodeCursor, encodeCursor, isUuid, type Page, toPage } from "../support";
import { findOutboxByMessageId } from "./outbox";

export interface CommunicationEntry {
  readonly kind: CommunicationKind;
  readonly debtorId?: string | null;
  /** The outbox message this entry is about. */
  readonly messageId?: string | null;
  readonly channel?: string | null;
  readonly status?: string | null;
  readonly summary: string;
  readonly detail?: Record<string, unknown>;
  readonly occurredAt: Date;
}

export interface Communication {
  readonly id: string;
  readonly tenantId: string;
  readonly debtorId: string | null;
  readonly messageId: string | null;
  readonly kind: CommunicationKind;
  readonly channel: string | null;
  readonly status: string | null;
  readonly summary: string;
  readonly detail: Record<string, unknown>;
  readonly occurredAt: Date;
  readonly recordedAt: Date;
}

function toCommunication(row: Selectable<CommunicationsTable>): Communication {
  return {
    id: String(row.id),
    tenantId: row.tenant_id,
    debtorId: row.debtor_id,
    messageId: row.message_id,
    kind: row.kind,
    channel: row.channel,
    status: row.status,
    summary: row.summary,
    detail: row.detail,
    occurredAt: row.occurred_at,
    recordedAt: row.recorded_at,
  };
}

export async function appendCommunication(db: Db, tenantId: string, entry: CommunicationEntry): Promise<Communication> {
  const row = await db
    .insertInto("communications")
    .values({
      tenant_id: tenantId,
      debtor_id: entry.debtorId ?? null,
      message_id: entry.messageId ?? null,
      kind: entry.kind,
      channel: entry.channel ?? null,
      status: entry.status ?? null,
      summary: entry.summary,
      detail: JSON.stringify(entry.detail ?? {}),
      occurred_at: entry.occurredAt,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toCommunication(row);
}

const isTimelineCursor = (values: readonly unknown[]): values is [number, number] =>
  values.length === 2 && Number.isSafeInteger(values[0]) && Number.isSafeInteger(values[1]);

/** A debtor's timeline, oldest first (ties in insertion order). */
/** A debtor's timeline, or with `debtorId` null the tenant's own (ledger connections needing attention…). */
export async function listTimeline(
  db: Db,
  tenantId: string,
  debtorId: string | null,
  options: { limit: number; cursor?: string },
): Promise<Page<Communication>> {
  const limit = checkLimit(options.limit);
  if (!isUuid(tenantId) || (debtorId !== null && !isUuid(debtorId))) return { items: [], nextCursor: null };
  let query = db
    .selectFrom("communications")
    .selectAll()
    .where("tenant_id", "=", tenantId)
    .where("debtor_id", debtorId === null ? "is" : "=", debtorId);
  if (options.cursor) {
    const [occurredAtMs, id] = decodeCursor(options.cursor, isTimelineCursor);
    query = query.where((eb) => eb(eb.refTuple("occurred_at", "id"), ">", eb.tuple(new Date(occurredAtMs), id)));
  }
  const rows = await query
    .orderBy("occurred_at")
    .orderBy("id")
    .limit(limit + 1)
    .execute();
  // occurred_at is stored to the millisecond, so the Date in the cursor is exact.
  return toPage(rows, limit, toCommunication, (row) => encodeCursor([row.occurred_at.getTime(), row.id]));
}

export interface DeliveryEvent {
  readonly status: string;
  readonly occurredAt: Date;
  readonly providerEventId: string;
  readonly detail?: string;
}

/**
 * Logs a provider's delivery event against the message it is about, in the message's tenant and
 * debtor timeline. Undefined when no message has this id.
 */
export async function recordDeliveryEvent(db: Db, messageId: string, event: DeliveryEvent): Promise<Communication | undefined> {
  const message = await findOutboxByMessageId(db, messageId);
  if (!message) return undefined;
  return appendCommunication(db, message.tenantId, {
    kind: "delivery",
    debtorId: message.debtorId,
    messageId: message.id,
    channel: message.channel,
    status: event.status,
    summary: `${message.channel} ${event.status}`,
    detail: {
      providerEventId: event.providerEventId,
      pluginId: message.pluginId,
      ...(message.externalId === null ? {} : { externalId: message.externalId }),
      ...(event.detail === undefined ? {} : { detail: event.detail }),
    },
    occurredAt: event.occurredAt,
  });
}

/** How many entries a debtor's timeline holds (e.g. for frequency caps or tests). */
export async function countCommunications(db: Db, tenantId: string, debtorId: string, kind?: CommunicationKind): Promise<number> {
  if (!isUuid(tenantId) || !isUuid(debtorId)) return 0;
  let query = db
    .selectFrom("communications")
    .select(sql<number>`count(*)`.as("count"))
    .where("tenant_id", "=", tenantId)
    .where("debtor_id", "=", debtorId);
  if (kind) query = query.where("kind", "=", kind);
  return (await query.executeTakeFirstOrThrow()).count;
}
