/**
 * Tasks for people: phone calls, mediations, write-backs a ledger cannot take… Completing a task of a debtor
 * whose case is open goes through the case (it records the outcome and acts on it, e.g. a wrong number opts
 * the debtor out of calls); any other task is completed directly.
 */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { notFound, RelanceError } from "@relance/core";
import { TASK_KINDS, type Task, type TaskKind } from "@relance/store";
import { caseAccess } from "./case-view";
import type { ApiEnv } from "./context";
import { problemResponses } from "./openapi";
import { validationHook } from "./problem";
import { caseSchema, pageOf, pageQuerySchema, taskIdParamSchema, taskSchema } from "./schemas";
import type { ApiServices } from "./services";

const TASK_OUTCOMES = ["reached", "promised", "disputed", "wrong_number", "no_answer", "done"] as const;

const outcomeBodySchema = z
  .object({
    outcome: z.enum(TASK_OUTCOMES).openapi({ description: "What a call achieved; `done` for tasks that are not calls" }),
    note: z.string().max(2000).optional(),
  })
  .strict()
  .openapi("TaskOutcome");

export function taskRoutes(services: ApiServices) {
  const app = new OpenAPIHono<ApiEnv>({ defaultHook: validationHook });
  const cases = caseAccess(services);
  const { store } = services;

  app.openapi(
    createRoute({
      method: "get",
      path: "/tasks",
      tags: ["Tasks"],
      summary: "List tasks, soonest due first",
      security: [{ bearer: [] }],
      request: {
        query: pageQuerySchema.extend({
          status: z.enum(["open", "done", "cancelled"]).optional(),
          kind: z.enum(TASK_KINDS as [TaskKind, ...TaskKind[]]).optional(),
          debtorId: z.uuid().optional(),
        }),
      },
      responses: {
        200: { description: "A page of tasks", content: { "application/json": { schema: pageOf(taskSchema, "TaskPage") } } },
        ...problemResponses(401, 422),
      },
    }),
    async (c) => {
      const { limit, cursor, status, kind, debtorId } = c.req.valid("query");
      const page = await store.listTasks(c.get("tenantId"), {
        limit,
        ...(cursor ? { cursor } : {}),
        ...(status ? { status } : {}),
        ...(kind ? { kind } : {}),
        ...(debtorId ? { debtorId } : {}),
      });
      return c.json({ items: page.items.map(toTaskView), nextCursor: page.nextCursor ?? null }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/tasks/{taskId}/outcome",
      tags: ["Tasks"],
      summary: "Complete a task with its outcome",
      description: "A task that is no longer open is a 409. Answers with the task and, for a debtor's task, the case.",
      security: [{ bearer: [] }],
      request: {
        params: taskIdParamSchema,
        body: { required: true, content: { "application/json": { schema: outcomeBodySchema } } },
      },
      responses: {
        200: {
          description: "The task, done",
          content: { "application/json": { schema: z.object({ task: taskSchema, case: caseSchema.nullable() }) } },
        },
        ...problemResponses(401, 404, 409, 422),
      },
    }),
    async (c) => {
      const tenantId = c.get("tenantId");
      const { taskId } = c.req.valid("param");
      const { outcome, note } = c.req.valid("json");
      const task = await store.getTask(tenantId, taskId);
      if (!task) throw notFound(`task ${taskId}`);
      if (task.status !== "open") throw new RelanceError("conflict", `task ${taskId} is already ${task.status}`);
      const debtor = task.debtorId ? await store.getDebtor(tenantId, task.debtorId) : undefined;
      const lookup = debtor ? await services.cases.describe(tenantId, debtor) : undefined;
      let caseLookup = lookup;
      if (debtor && lookup?.state === "open") {
        // The case records the outcome, completes the task in the store, and acts on it.
        const result = await services.cases.command(tenantId, debtor, {
          type: "taskOutcome",
          request: { taskId, kind: task.kind, outcome, ...(note === undefined ? {} : { note }) },
        });
        caseLookup = { ...lookup, view: result.view };
      } else {
        await store.completeTask(tenantId, taskId, { outcome: outcome === "done" ? null : outcome, note: note ?? null });
      }
      const done = await store.getTask(tenantId, taskId);
      if (!done) throw notFound(`task ${taskId}`);
      return c.json({ task: toTaskView(done), case: debtor ? await cases.caseView(tenantId, debtor, caseLookup) : null }, 200);
    },
  );

  return app;
}

function toTaskView(task: Task) {
  return {
    id: task.id,
    debtorId: task.debtorId,
    kind: task.kind,
    title: task.title,
    detail: task.detail,
    status: task.status,
    dueAt: task.dueAt.toISOString(),
    assignee: task.assignee,
    outcome: task.outcome,
    outcomeNote: task.outcomeNote,
    createdAt: task.createdAt.toISOString(),
    completedAt: task.completedAt?.toISOString() ?? null,
  };
}
