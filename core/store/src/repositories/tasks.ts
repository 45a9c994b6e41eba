/**
 * Tasks: follow-ups for a person (a phone call, a dispute to mediate, a refused agency claim, a failed
 * write-back). A workflow step creates its task under an idempotency key: creating it again returns the
 * same row.
 *
 *   open → done (with an outcome for calls) | cancelled   (final; completing a done task is a conflict)
 */
import { notFound, RelanceError } from "@relance/core";
import { type Selectable, sql } from "kysely";
import { Issues, isForeignKeyViolation, isPlainObject } from "../checks";
import type { Db, TaskKind, TaskOutcome, TaskStatus, TasksTable } from "../schema";
import { checkLimit, decodeCursor, encodeCursor, isUuid, type Page, toPage } from "../support";

export type { TaskKind, TaskOutcome, TaskStatus };

export const TASK_KINDS: readonly TaskKind[] = [
  "phone_call",
  "review",
  "mediation",
  "write_back",
  "agency_refused",
  "reconnect_ledger",
];
export const TASK_OUTCOMES: readonly TaskOutcome[] = ["reached", "promised", "disputed", "wrong_number", "no_answer"];

export interface Task {
  readonly id: string;
  readonly tenantId: string;
  readonly debtorId: string | null;
  readonly kind: TaskKind;
  readonly title: string;
  readonly detail: Record<string, unknown>;
  readonly status: TaskStatus;
  readonly dueAt: Date;
  readonly assignee: string | null;
  readonly outcome: TaskOutcome | null;
  readonly outcomeNote: string | null;
  readonly idempotencyKey: string | null;
  readonly createdAt: Date;
  readonly completedAt: Date | null;
}

export interface CreatedTask extends Task {
  /** True when this call inserted the task; false when its idempotency key had already created it. */
  readonly created: boolean;
}

export interface CreateTaskInput {
  readonly kind: TaskKind;
  readonly title: string;
  readonly debtorId?: string | null;
  readonly detail?: Record<string, unknown>;
  /** Default: now. Kept to the millisecond. */
  readonly dueAt?: Date;
  readonly assignee?: string | null;
  /** e.g. `{workflowId}:{stepId}`; unique per tenant. */
  readonly idempotencyKey?: string | null;
}

export interface CompleteTaskInput {
  /** What a call achieved; null for tasks that are not calls. */
  readonly outcome?: TaskOutcome | null;
  readonly note?: string | null;
  readonly completedAt?: Date;
}

export interface ListTasksOptions {
  readonly limit: number;
  readonly cursor?: string;
  readonly status?: TaskStatus;
  readonly kind?: TaskKind;
  readonly debtorId?: string;
}

function toTask(row: Selectable<TasksTable>): Task {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    debtorId: row.debtor_id,
    kind: row.kind,
    title: row.title,
    detail: row.detail,
    status: row.status,
    dueAt: row.due_at,
    assignee: row.assignee,
    outcome: row.outcome,
    outcomeNote: row.outcome_note,
    idempotencyKey: row.idempotency_key,
    createdAt: row.created_at,
    completedAt: row.completed_at,
  };
}

export async function createTask(db: Db, tenantId: string, input: CreateTaskInput): Promise<CreatedTask> {
  const issues = new Issues();
  issues.oneOf("kind", input.kind, TASK_KINDS);
  issues.text("title", input.title, { max: 500, required: true });
  if (input.detail !== undefined && !isPlainObject(input.detail)) issues.add("detail", "must be an object");
  if (input.dueAt !== undefined) issues.instant("dueAt", input.dueAt);
  if (input.assignee !== undefined && input.assignee !== null)
    issues.text("assignee", input.assignee, { max: 200, required: true });
  if (input.idempotencyKey !== undefined && input.idempotencyKey !== null) {
    issues.text("idempotencyKey", input.idempotencyKey, { max: 255, required: true });
  }
  issues.throwIfAny("invalid task");
  const debtorId = input.debtorId ?? null;
  if (!isUuid(tenantId)) throw notFound("tenant");
  if (debtorId !== null && !isUuid(debtorId)) throw notFound("debtor");
  const key = input.idempotencyKey ?? null;

  const inserted = await db
    .insertInto("tasks")
    .values({
      tenant_id: tenantId,
      debtor_id: debtorId,
      kind: input.kind,
      title: input.title,
      detail: JSON.stringify(input.detail ?? {}),
      due_at: input.dueAt ?? sql<Date>`now()`,
      assignee: input.assignee ?? null,
      idempotency_key: key,
    })
    .onConflict((conflict) => conflict.columns(["tenant_id", "idempotency_key"]).doNothing())
    .returningAll()
    .executeTakeFirst()
    .catch((error: unknown) => {
      // The composite foreign key: the debtor (or the tenant) does not exist.
      if (isForeignKeyViolation(error)) throw notFound(debtorId === null ? "tenant" : "debtor");
      throw error;
    });
  if (inserted) return { ...toTask(inserted), created: true };
  // Only a key can conflict (NULL keys never do).
  const existing = await db
    .selectFrom("tasks")
    .selectAll()
    .where("tenant_id", "=", tenantId)
    .where("idempotency_key", "=", key)
    .executeTakeFirst();
  if (!existing || existing.kind !== input.kind || existing.debtor_id !== (debtorId?.toLowerCase() ?? null)) {
    throw new RelanceError("conflict", `idempotency key "${key}" is already used for another task`);
  }
  return { ...toTask(existing), created: false };
}

export async function getTask(db: Db, tenantId: string, taskId: string): Promise<Task | undefined> {
  if (!isUuid(tenantId) || !isUuid(taskId)) return undefined;
  const row = await db
    .selectFrom("tasks")
    .selectAll()
    .where("tenant_id", "=", tenantId)
    .where("id", "=", taskId)
    .executeTakeFirst();
  return row && toTask(row);
}

const isTaskCursor = (values: readonly unknown[]): values is [number, string] =>
  values.length === 2 && Number.isSafeInteger(values[0]) && typeof values[1] === "string" && isUuid(values[1]);

/** Tasks by due time (soonest first), then id. */
export async function listTasks(db: Db, tenantId: string, options: ListTasksOptions): Promise<Page<Task>> {
  const limit = checkLimit(options.limit);
  if (!isUuid(tenantId) || (options.debtorId !== undefined && !isUuid(options.debtorId))) return { items: [], nextCursor: null };
  let query = db.selectFrom("tasks").selectAll().where("tenant_id", "=", tenantId);
  if (options.status !== undefined) query = query.where("status", "=", options.status);
  if (options.kind !== undefined) query = query.where("kind", "=", options.kind);
  if (options.debtorId !== undefined) query = query.where("debtor_id", "=", options.debtorId);
  if (options.cursor) {
    const [dueAtMs, id] = decodeCursor(options.cursor, isTaskCursor);
    query = query.where((eb) => eb(eb.refTuple("due_at", "id"), ">", eb.tuple(new Date(dueAtMs), id)));
  }
  const rows = await query
    .orderBy("due_at")
    .orderBy("id")
    .limit(limit + 1)
    .execute();
  // due_at is stored to the millisecond, so the Date in the cursor is exact.
  return toPage(rows, limit, toTask, (row) => encodeCursor([row.due_at.getTime(), row.id]));
}

async function closeTask(
  db: Db,
  tenantId: string,
  taskId: string,
  to: Exclude<TaskStatus, "open">,
  changes: { outcome: TaskOutcome | null; outcome_note: string | null; completed_at: Date | undefined },
): Promise<Task> {
  if (!isUuid(tenantId) || !isUuid(taskId)) throw notFound("task");
  const updated = await db
    .updateTable("tasks")
    .set({
      status: to,
      outcome: changes.outcome,
      outcome_note: changes.outcome_note,
      completed_at: changes.completed_at ?? sql<Date>`now()`,
    })
    .where("tenant_id", "=", tenantId)
    .where("id", "=", taskId)
    .where("status", "=", "open")
    .returningAll()
    .executeTakeFirst();
  if (updated) return toTask(updated);
  const current = await getTask(db, tenantId, taskId);
  if (!current) throw notFound("task");
  throw new RelanceError("conflict", `task ${taskId} is already ${current.status}`);
}

/** Marks an open task done, with what came of it. */
export async function completeTask(db: Db, tenantId: string, taskId: string, input: CompleteTaskInput = {}): Promise<Task> {
  const issues = new Issues();
  if (input.outcome !== undefined && input.outcome !== null) issues.oneOf("outcome", input.outcome, TASK_OUTCOMES);
  if (input.note !== undefined && input.note !== null) issues.text("note", input.note, { max: 10_000 });
  if (input.completedAt !== undefined) issues.instant("completedAt", input.completedAt);
  issues.throwIfAny("invalid task completion");
  return closeTask(db, tenantId, taskId, "done", {
    outcome: input.outcome ?? null,
    outcome_note: input.note ?? null,
    completed_at: input.completedAt,
  });
}

/** Closes an open task that no longer needs doing (the debtor paid, the dispute was withdrawn…). */
export async function cancelTask(db: Db, tenantId: string, taskId: string, note?: string | null): Promise<Task> {
  const issues = new Issues();
  if (note !== undefined && note !== null) issues.text("note", note, { max: 10_000 });
  issues.throwIfAny("invalid task cancellation");
  return closeTask(db, tenantId, taskId, "cancelled", { outcome: null, outcome_note: note ?? null, completed_at: undefined });
}
