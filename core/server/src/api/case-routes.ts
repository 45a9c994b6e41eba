/** A debtor's case: where the ladder stands, what comes next, everything that happened; pause and resume. */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { notFound, RelanceError } from "@relance/core";
import type { Store } from "@relance/store";
import type { ApiEnv } from "./context";
import { problemResponses } from "./openapi";
import { validationHook } from "./problem";
import { caseSchema, debtorIdParamSchema } from "./schemas";
import type { ApiServices } from "./services";

export function caseRoutes(services: ApiServices) {
  const app = new OpenAPIHono<ApiEnv>({ defaultHook: validationHook });
  const { store } = services;

  async function debtorOf(tenantId: string, debtorId: string) {
    const debtor = await store.getDebtor(tenantId, debtorId);
    if (!debtor) throw notFound(`debtor ${debtorId}`);
    return debtor;
  }

  async function caseView(tenantId: string, debtorId: string, timeline: { limit: number; cursor?: string }) {
    const debtor = await debtorOf(tenantId, debtorId);
    const [lookup, snapshot, entries] = await Promise.all([
      services.cases.describe(tenantId, debtor),
      store.getCaseSnapshot(tenantId, debtorId),
      store.listTimeline(tenantId, debtorId, timeline),
    ]);
    const view = lookup.state === "open" ? lookup.view : undefined;
    return {
      debtorId,
      workflowId: lookup.workflowId,
      state: lookup.state,
      stage: view?.stage ?? (lookup.state === "closed" ? "closed" : null),
      paused: view?.paused ?? false,
      policy: view?.policy ?? null,
      lastStepId: view?.lastStepId ?? null,
      nextStep: view?.nextStep ?? null,
      openBalances: snapshot.openBalances.map(({ amountMinor, currency }) => ({ amountMinor, currency })),
      timeline: withDeliveries(entries.items),
      timelineNextCursor: entries.nextCursor ?? null,
    };
  }

  app.openapi(
    createRoute({
      method: "get",
      path: "/debtors/{debtorId}/case",
      tags: ["Cases"],
      summary: "A debtor's case and its timeline",
      description: "Stage, policy version, next step and when, and every message, delivery event and decision in order.",
      security: [{ bearer: [] }],
      request: {
        params: debtorIdParamSchema,
        query: z.object({
          limit: z.coerce.number().int().min(1).max(500).default(200),
          cursor: z.string().max(500).optional(),
        }),
      },
      responses: {
        200: { description: "The case", content: { "application/json": { schema: caseSchema } } },
        ...problemResponses(401, 404, 422),
      },
    }),
    async (c) => {
      const { debtorId } = c.req.valid("param");
      const { limit, cursor } = c.req.valid("query");
      return c.json(await caseView(c.get("tenantId"), debtorId, { limit, ...(cursor ? { cursor } : {}) }), 200);
    },
  );

  for (const action of ["pause", "resume"] as const) {
    app.openapi(
      createRoute({
        method: "post",
        path: `/debtors/{debtorId}/case/${action}`,
        tags: ["Cases"],
        summary: action === "pause" ? "Pause chasing this debtor" : "Resume chasing this debtor",
        security: [{ bearer: [] }],
        request: {
          params: debtorIdParamSchema,
          body: {
            required: false,
            content: { "application/json": { schema: z.object({ reason: z.string().max(500).optional() }) } },
          },
        },
        responses: {
          200: { description: "The case after the change", content: { "application/json": { schema: caseSchema } } },
          ...problemResponses(401, 404, 409, 422),
        },
      }),
      async (c) => {
        const tenantId = c.get("tenantId");
        const { debtorId } = c.req.valid("param");
        const reason = (c.req.valid("json") as { reason?: string } | undefined)?.reason;
        const debtor = await debtorOf(tenantId, debtorId);
        const lookup = await services.cases.describe(tenantId, debtor);
        if (lookup.state !== "open") throw new RelanceError("conflict", `debtor ${debtorId} has no open case to ${action}`);
        await services.cases.setPaused(tenantId, debtor, action === "pause", reason);
        await store.appendCommunication(tenantId, {
          debtorId,
          kind: "decision",
          status: action === "pause" ? "paused" : "resumed",
          summary: `case ${action === "pause" ? "paused" : "resumed"} through the API${reason ? `: ${reason}` : ""}`,
          detail: { apiKeyId: c.get("apiKeyId") },
          occurredAt: new Date(),
        });
        return c.json(await caseView(tenantId, debtorId, { limit: 200 }), 200);
      },
    );
  }

  return app;
}

type TimelineItem = Awaited<ReturnType<Store["listTimeline"]>>["items"][number];

/** Folds each message's delivery events into the message entry (latest wins) and keeps the rest in order. */
function withDeliveries(entries: readonly TimelineItem[]) {
  const latest = new Map<string, TimelineItem>();
  for (const entry of entries) {
    if (entry.kind === "delivery" && entry.messageId) {
      const known = latest.get(entry.messageId);
      if (!known || known.occurredAt <= entry.occurredAt) latest.set(entry.messageId, entry);
    }
  }
  return entries
    .filter((entry) => entry.kind !== "delivery")
    .map((entry) => {
      const delivery = entry.messageId ? latest.get(entry.messageId) : undefined;
      return {
        at: entry.occurredAt.toISOString(),
        kind: entry.kind,
        channel: entry.channel ?? null,
        status: entry.status ?? "",
        summary: entry.summary,
        messageId: entry.messageId ?? null,
        delivery: delivery
          ? {
              status: delivery.status ?? "unknown",
              at: delivery.occurredAt.toISOString(),
              detail: typeof delivery.detail?.detail === "string" ? delivery.detail.detail : null,
            }
          : null,
      };
    });
}
