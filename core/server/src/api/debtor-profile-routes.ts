/**
 * What a credit controller sets on a debtor: segment tags (which policy variant and steps apply) and
 * overrides (preferred channel, opt-outs, no contact before a date, invoices left out). Stored on the
 * debtor, and handed to its open case, which replans at once.
 */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { debtorOverridesSchema } from "@relance/core";
import { caseAccess } from "./case-view";
import type { ApiEnv } from "./context";
import { problemResponses } from "./openapi";
import { validationHook } from "./problem";
import { caseSchema, debtorIdParamSchema } from "./schemas";
import type { ApiServices } from "./services";

const profileBodySchema = z
  .object({
    segments: z
      .array(
        z
          .string()
          .max(64)
          .regex(/^[a-z0-9][a-z0-9_-]*$/, "a segment tag: lower-case letters, digits, dashes and underscores"),
      )
      .max(50)
      .optional()
      .openapi({ description: "Replaces the debtor's segment tags (vip, new…)", example: ["vip"] }),
    overrides: debtorOverridesSchema.optional().openapi({ description: "Replaces the debtor's overrides of the policy" }),
  })
  .strict()
  .openapi("DebtorProfile");

export function debtorProfileRoutes(services: ApiServices) {
  const app = new OpenAPIHono<ApiEnv>({ defaultHook: validationHook });
  const cases = caseAccess(services);
  const { store } = services;

  app.openapi(
    createRoute({
      method: "put",
      path: "/debtors/{debtorId}/profile",
      tags: ["Cases"],
      summary: "Set the debtor's segments and overrides",
      description: "Fields left out are unchanged. The debtor's open case, if any, applies the change at once.",
      security: [{ bearer: [] }],
      request: {
        params: debtorIdParamSchema,
        body: { required: true, content: { "application/json": { schema: profileBodySchema } } },
      },
      responses: {
        200: {
          description: "The case after the change",
          content: { "application/json": { schema: z.object({ case: caseSchema }) } },
        },
        ...problemResponses(401, 404, 409, 422),
      },
    }),
    async (c) => {
      const tenantId = c.get("tenantId");
      const { debtorId } = c.req.valid("param");
      const body = c.req.valid("json");
      const segments = body.segments === undefined ? undefined : [...new Set(body.segments)];
      const debtor = await cases.debtorOf(tenantId, debtorId);
      await store.transaction(async (tx) => {
        if (segments !== undefined) await tx.setDebtorTags(tenantId, debtorId, segments);
        if (body.overrides !== undefined) await tx.setDebtorOverrides(tenantId, debtorId, body.overrides);
      });
      let lookup = await services.cases.describe(tenantId, debtor);
      if (lookup.state === "open" && (segments !== undefined || body.overrides !== undefined)) {
        const result = await services.cases.command(tenantId, debtor, {
          type: "debtorProfile",
          request: {
            ...(segments === undefined ? {} : { segments }),
            ...(body.overrides === undefined ? {} : { overrides: body.overrides }),
          },
        });
        lookup = { ...lookup, view: result.view };
      }
      const fresh = (await store.getDebtor(tenantId, debtorId)) ?? debtor;
      return c.json({ case: await cases.caseView(tenantId, fresh, lookup) }, 200);
    },
  );

  return app;
}
