/**
 * Disputes on a debtor's invoices: open one (the disputed part leaves the chase), assign a mediator, resolve
 * it. Each change goes through the debtor's case, which validates it against what it knows and records it.
 */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { notFound, RelanceError } from "@relance/core";
import { OPEN_DISPUTE_STATUSES } from "@relance/store";
import { caseAccess, toDisputeView } from "./case-view";
import type { ApiEnv } from "./context";
import { problemResponses } from "./openapi";
import { validationHook } from "./problem";
import {
  caseSchema,
  createdSchema,
  debtorIdParamSchema,
  disputeIdParamSchema,
  disputeReasonSchema,
  disputeSchema,
  mediatorSchema,
} from "./schemas";
import type { ApiServices } from "./services";

const openDisputeSchema = z
  .object({
    invoiceId: z.uuid(),
    amountMinor: z
      .number()
      .int()
      .positive()
      .optional()
      .openapi({ description: "The disputed part, minor units; default: the invoice's undisputed balance" }),
    reason: disputeReasonSchema,
    comment: z.string().max(2000).optional(),
  })
  .strict()
  .openapi("OpenDispute");

const OUTCOMES = ["upheld", "rejected", "partly_upheld", "escalated", "withdrawn"] as const;

const resolveDisputeSchema = z
  .object({
    outcome: z.enum(OUTCOMES),
    upheldMinor: z
      .number()
      .int()
      .positive()
      .optional()
      .openapi({ description: "For partly_upheld: the part found right (a credit note is requested for it)" }),
    explanation: z
      .string()
      .max(2000)
      .optional()
      .openapi({ description: "Sent to the debtor; required when the dispute is rejected or partly upheld" }),
  })
  .strict()
  .superRefine((body, ctx) => {
    if ((body.outcome === "rejected" || body.outcome === "partly_upheld") && !body.explanation?.trim()) {
      ctx.addIssue({ code: "custom", path: ["explanation"], message: `a ${body.outcome} dispute needs an explanation` });
    }
    if (body.outcome === "partly_upheld" && body.upheldMinor === undefined) {
      ctx.addIssue({ code: "custom", path: ["upheldMinor"], message: "a partly upheld dispute names the part found right" });
    }
  })
  .openapi("ResolveDispute");

const caseResponse = { description: "The case after the change", content: { "application/json": { schema: caseSchema } } };

export function disputeRoutes(services: ApiServices) {
  const app = new OpenAPIHono<ApiEnv>({ defaultHook: validationHook });
  const cases = caseAccess(services);
  const { store } = services;

  /** The dispute, which must be this debtor's in this tenant and still open. */
  async function openDisputeOf(tenantId: string, debtorId: string, disputeId: string) {
    await cases.debtorOf(tenantId, debtorId);
    const dispute = await store.getDispute(tenantId, disputeId);
    if (!dispute || dispute.debtorId !== debtorId) throw notFound(`dispute ${disputeId}`);
    if (!OPEN_DISPUTE_STATUSES.includes(dispute.status)) {
      throw new RelanceError("conflict", `dispute ${disputeId} is already resolved (${dispute.status})`);
    }
    return dispute;
  }

  app.openapi(
    createRoute({
      method: "post",
      path: "/debtors/{debtorId}/disputes",
      tags: ["Disputes"],
      summary: "Open a dispute on an invoice",
      description:
        "At most one open dispute per invoice (409); the amount cannot exceed the invoice's undisputed balance (422 on " +
        "`amountMinor`); the invoice must be an open invoice of this debtor (422 on `invoiceId`).",
      security: [{ bearer: [] }],
      request: {
        params: debtorIdParamSchema,
        body: { required: true, content: { "application/json": { schema: openDisputeSchema } } },
      },
      responses: {
        201: { description: "Opened", content: { "application/json": { schema: createdSchema } } },
        ...problemResponses(401, 404, 409, 422),
      },
    }),
    async (c) => {
      const { debtorId } = c.req.valid("param");
      const body = c.req.valid("json");
      const result = await cases.command(c.get("tenantId"), debtorId, () => ({
        type: "openDispute",
        request: {
          invoiceId: body.invoiceId,
          ...(body.amountMinor === undefined ? {} : { amountMinor: body.amountMinor }),
          reason: body.reason,
          ...(body.comment === undefined ? {} : { comment: body.comment }),
          openedBy: `api-key:${c.get("apiKeyId")}`,
        },
      }));
      return c.json({ id: result.id ?? "", case: result.case }, 201);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/debtors/{debtorId}/disputes",
      tags: ["Disputes"],
      summary: "A debtor's disputes, open and resolved",
      security: [{ bearer: [] }],
      request: { params: debtorIdParamSchema },
      responses: {
        200: {
          description: "The disputes",
          content: { "application/json": { schema: z.object({ items: z.array(disputeSchema) }) } },
        },
        ...problemResponses(401, 404, 422),
      },
    }),
    async (c) => {
      const tenantId = c.get("tenantId");
      const { debtorId } = c.req.valid("param");
      await cases.debtorOf(tenantId, debtorId);
      const disputes = await store.listDisputes(tenantId, { debtorId });
      return c.json({ items: disputes.map(toDisputeView) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/debtors/{debtorId}/disputes/{disputeId}/mediator",
      tags: ["Disputes"],
      summary: "Assign (or reassign) the dispute's mediator",
      description: "Starts the mediation deadline of the policy; a user mediator also gets a mediation task.",
      security: [{ bearer: [] }],
      request: {
        params: disputeIdParamSchema,
        body: {
          required: true,
          content: { "application/json": { schema: z.object({ mediator: mediatorSchema }).strict() } },
        },
      },
      responses: { 200: caseResponse, ...problemResponses(401, 404, 409, 422) },
    }),
    async (c) => {
      const tenantId = c.get("tenantId");
      const { debtorId, disputeId } = c.req.valid("param");
      const { mediator } = c.req.valid("json");
      await openDisputeOf(tenantId, debtorId, disputeId);
      const result = await cases.command(tenantId, debtorId, () => ({
        type: "assignMediator",
        request: { disputeId, mediator },
      }));
      return c.json(result.case, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/debtors/{debtorId}/disputes/{disputeId}/resolve",
      tags: ["Disputes"],
      summary: "Resolve the dispute",
      description:
        "Upheld (in full or in part): a credit note is requested and that amount stays out of the chase until the " +
        "ledger shows it. Rejected or partly upheld: the debtor is told why, and the rest is chased again.",
      security: [{ bearer: [] }],
      request: {
        params: disputeIdParamSchema,
        body: { required: true, content: { "application/json": { schema: resolveDisputeSchema } } },
      },
      responses: { 200: caseResponse, ...problemResponses(401, 404, 409, 422) },
    }),
    async (c) => {
      const tenantId = c.get("tenantId");
      const { debtorId, disputeId } = c.req.valid("param");
      const body = c.req.valid("json");
      await openDisputeOf(tenantId, debtorId, disputeId);
      const result = await cases.command(tenantId, debtorId, () => ({
        type: "resolveDispute",
        request: {
          disputeId,
          outcome: body.outcome,
          ...(body.upheldMinor === undefined ? {} : { upheldMinor: body.upheldMinor }),
          explanation: body.explanation?.trim() ?? "",
          resolvedBy: `api-key:${c.get("apiKeyId")}`,
        },
      }));
      return c.json(result.case, 200);
    },
  );

  return app;
}
