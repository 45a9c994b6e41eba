/** A debtor's case: where the ladder stands, what comes next, everything that happened; pause, resume, policy migration. */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { notFound } from "@relance/core";
import { caseAccess } from "./case-view";
import type { ApiEnv } from "./context";
import { problemResponses } from "./openapi";
import { validationHook } from "./problem";
import { caseSchema, debtorIdParamSchema } from "./schemas";
import type { ApiServices } from "./services";

const caseResponse = { description: "The case after the change", content: { "application/json": { schema: caseSchema } } };

export function caseRoutes(services: ApiServices) {
  const app = new OpenAPIHono<ApiEnv>({ defaultHook: validationHook });
  const cases = caseAccess(services);

  app.openapi(
    createRoute({
      method: "get",
      path: "/debtors/{debtorId}/case",
      tags: ["Cases"],
      summary: "A debtor's case and its timeline",
      description:
        "Stage, policy version, next action and when, disputes, promise, payment plan, and every message, delivery event " +
        "and decision in order.",
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
      const tenantId = c.get("tenantId");
      const { debtorId } = c.req.valid("param");
      const { limit, cursor } = c.req.valid("query");
      const debtor = await cases.debtorOf(tenantId, debtorId);
      return c.json(await cases.caseView(tenantId, debtor, undefined, { limit, ...(cursor ? { cursor } : {}) }), 200);
    },
  );

  for (const action of ["pause", "resume"] as const) {
    app.openapi(
      createRoute({
        method: "post",
        path: `/debtors/{debtorId}/case/${action}`,
        tags: ["Cases"],
        summary: action === "pause" ? "Pause chasing this debtor" : "Resume chasing this debtor",
        description: "The case records the change in its timeline. A debtor without an open case is a 409.",
        security: [{ bearer: [] }],
        request: {
          params: debtorIdParamSchema,
          body: {
            required: false,
            content: { "application/json": { schema: z.object({ reason: z.string().max(500).optional() }) } },
          },
        },
        responses: { 200: caseResponse, ...problemResponses(401, 404, 409, 422) },
      }),
      async (c) => {
        const { debtorId } = c.req.valid("param");
        const reason = (c.req.valid("json") as { reason?: string } | undefined)?.reason;
        const result = await cases.command(c.get("tenantId"), debtorId, () =>
          action === "pause" ? { type: "pause", ...(reason === undefined ? {} : { reason }) } : { type: "resume" },
        );
        return c.json(result.case, 200);
      },
    );
  }

  app.openapi(
    createRoute({
      method: "post",
      path: "/debtors/{debtorId}/case/migrate-policy",
      tags: ["Cases"],
      summary: "Move a running case to another policy version",
      description:
        "By default the latest stored version of the policy the case runs. The case keeps its place: after the step it " +
        "last did (by id), or after the last step not later than it.",
      security: [{ bearer: [] }],
      request: {
        params: debtorIdParamSchema,
        body: {
          required: false,
          content: {
            "application/json": {
              schema: z
                .object({
                  key: z
                    .string()
                    .regex(/^[a-z0-9][a-z0-9-]*$/, "lower-case letters, digits and dashes")
                    .max(100)
                    .optional()
                    .openapi({ description: "Default: the policy the case runs" }),
                  version: z.number().int().positive().optional().openapi({ description: "Default: the latest" }),
                })
                .strict(),
            },
          },
        },
      },
      responses: { 200: caseResponse, ...problemResponses(401, 404, 409, 422) },
    }),
    async (c) => {
      const tenantId = c.get("tenantId");
      const { debtorId } = c.req.valid("param");
      const body = (c.req.valid("json") ?? {}) as { key?: string; version?: number };
      const result = await cases.command(tenantId, debtorId, async (lookup) => {
        const key = body.key ?? lookup.view.policy.key;
        const stored = await services.store.getPolicy(tenantId, key, body.version);
        if (!stored) throw notFound(`policy ${key}${body.version === undefined ? "" : ` version ${body.version}`}`);
        return { type: "migratePolicy", request: { policy: stored.policy } };
      });
      return c.json(result.case, 200);
    },
  );

  return app;
}
