/**
 * Promises to pay and payment plans a debtor agrees to. The case checks them against its policy and balance
 * (a date in the past, more than is owed, instalments that do not add up: 422 on the field) and records them.
 */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { caseAccess } from "./case-view";
import type { ApiEnv } from "./context";
import { problemResponses } from "./openapi";
import { validationHook } from "./problem";
import { calendarDateSchema, createdSchema, currencySchema, debtorIdParamSchema } from "./schemas";
import type { ApiServices } from "./services";

const promiseBodySchema = z
  .object({
    promisedDate: calendarDateSchema.openapi({
      description: "In the case's calendar: today or later, within the policy's limit",
    }),
    amountMinor: z.number().int().positive().openapi({ description: "At most the undisputed balance in that currency" }),
    currency: currencySchema,
  })
  .strict()
  .openapi("NewPromise");

const planBodySchema = z
  .object({
    currency: currencySchema,
    instalments: z
      .array(z.object({ dueDate: calendarDateSchema, amountMinor: z.number().int().positive() }).strict())
      .min(1)
      .max(60)
      .openapi({
        description:
          "In date order, the first today or later; they add up to the undisputed balance in that currency, within the " +
          "policy's limits (number of instalments, smallest instalment)",
      }),
  })
  .strict()
  .openapi("NewPaymentPlan");

const created = { description: "Recorded", content: { "application/json": { schema: createdSchema } } };

export function promiseRoutes(services: ApiServices) {
  const app = new OpenAPIHono<ApiEnv>({ defaultHook: validationHook });
  const cases = caseAccess(services);

  app.openapi(
    createRoute({
      method: "post",
      path: "/debtors/{debtorId}/promises",
      tags: ["Promises and plans"],
      summary: "Record a promise to pay",
      description: "Chasing waits until the promised date and its grace days; a new promise replaces an open one.",
      security: [{ bearer: [] }],
      request: {
        params: debtorIdParamSchema,
        body: { required: true, content: { "application/json": { schema: promiseBodySchema } } },
      },
      responses: { 201: created, ...problemResponses(401, 404, 409, 422) },
    }),
    async (c) => {
      const { debtorId } = c.req.valid("param");
      const body = c.req.valid("json");
      const result = await cases.command(c.get("tenantId"), debtorId, () => ({
        type: "promise",
        request: { promisedDate: body.promisedDate, amountMinor: body.amountMinor, currency: body.currency, source: "api" },
      }));
      return c.json({ id: result.id ?? "", case: result.case }, 201);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/debtors/{debtorId}/payment-plans",
      tags: ["Promises and plans"],
      summary: "Agree a payment plan",
      description: "The ladder gives way to instalment reminders; a missed instalment (after its grace days) resumes it.",
      security: [{ bearer: [] }],
      request: {
        params: debtorIdParamSchema,
        body: { required: true, content: { "application/json": { schema: planBodySchema } } },
      },
      responses: { 201: created, ...problemResponses(401, 404, 409, 422) },
    }),
    async (c) => {
      const { debtorId } = c.req.valid("param");
      const body = c.req.valid("json");
      const result = await cases.command(c.get("tenantId"), debtorId, () => ({
        type: "paymentPlan",
        request: { currency: body.currency, instalments: body.instalments },
      }));
      return c.json({ id: result.id ?? "", case: result.case }, 201);
    },
  );

  return app;
}
