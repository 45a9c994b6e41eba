/** Debtors and invoices, read-only, paginated, scoped to the caller's tenant. */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { notFound } from "@relance/core";
import type { ApiEnv } from "./context";
import { problemResponses } from "./openapi";
import { validationHook } from "./problem";
import { debtorIdParamSchema, debtorSchema, invoiceSchema, pageOf, pageQuerySchema } from "./schemas";
import type { ApiServices } from "./services";

export function ledgerRoutes(services: ApiServices) {
  const app = new OpenAPIHono<ApiEnv>({ defaultHook: validationHook });
  const { store } = services;

  app.openapi(
    createRoute({
      method: "get",
      path: "/debtors",
      tags: ["Ledger"],
      summary: "List debtors with their open balances",
      security: [{ bearer: [] }],
      request: { query: pageQuerySchema },
      responses: {
        200: {
          description: "A page of debtors",
          content: { "application/json": { schema: pageOf(debtorSchema, "DebtorPage") } },
        },
        ...problemResponses(401, 422),
      },
    }),
    async (c) => {
      const { limit, cursor } = c.req.valid("query");
      const page = await store.listDebtors(c.get("tenantId"), { limit, ...(cursor ? { cursor } : {}) });
      return c.json({ items: page.items.map(toDebtorView), nextCursor: page.nextCursor ?? null }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/debtors/{debtorId}",
      tags: ["Ledger"],
      summary: "One debtor",
      security: [{ bearer: [] }],
      request: { params: debtorIdParamSchema },
      responses: {
        200: { description: "The debtor", content: { "application/json": { schema: debtorSchema } } },
        ...problemResponses(401, 404, 422),
      },
    }),
    async (c) => {
      const tenantId = c.get("tenantId");
      const { debtorId } = c.req.valid("param");
      const debtor = await store.getDebtor(tenantId, debtorId);
      if (!debtor) throw notFound(`debtor ${debtorId}`);
      const snapshot = await store.getCaseSnapshot(tenantId, debtorId);
      return c.json(
        toDebtorView({ ...debtor, openBalances: [...snapshot.openBalances], oldestDueDate: snapshot.oldestDueDate }),
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/invoices",
      tags: ["Ledger"],
      summary: "List invoices",
      security: [{ bearer: [] }],
      request: {
        query: pageQuerySchema.extend({
          debtorId: z.uuid().optional(),
          status: z.enum(["open", "paid", "void"]).optional(),
        }),
      },
      responses: {
        200: {
          description: "A page of invoices",
          content: { "application/json": { schema: pageOf(invoiceSchema, "InvoicePage") } },
        },
        ...problemResponses(401, 422),
      },
    }),
    async (c) => {
      const { limit, cursor, debtorId, status } = c.req.valid("query");
      const page = await store.listInvoices(c.get("tenantId"), {
        limit,
        ...(cursor ? { cursor } : {}),
        ...(debtorId ? { debtorId } : {}),
        ...(status ? { status } : {}),
      });
      return c.json(
        {
          items: page.items.map((invoice) => ({
            id: invoice.id,
            debtorId: invoice.debtorId,
            externalId: invoice.externalId,
            number: invoice.number,
            currency: invoice.currency,
            totalMinor: invoice.totalMinor,
            balanceMinor: invoice.balanceMinor,
            issueDate: invoice.issueDate,
            dueDate: invoice.dueDate,
            status: invoice.status,
          })),
          nextCursor: page.nextCursor ?? null,
        },
        200,
      );
    },
  );

  return app;
}

interface DebtorLike {
  id: string;
  externalId: string;
  connectionId: string;
  name: string;
  emails: readonly string[];
  language?: string | null;
  openBalances?: readonly { amountMinor: number; currency: string }[];
  oldestDueDate?: string | null;
}

function toDebtorView(debtor: DebtorLike) {
  return {
    id: debtor.id,
    externalId: debtor.externalId,
    connectionId: debtor.connectionId,
    name: debtor.name,
    emails: [...debtor.emails],
    language: debtor.language ?? null,
    openBalances: [...(debtor.openBalances ?? [])].map(({ amountMinor, currency }) => ({ amountMinor, currency })),
    oldestDueDate: debtor.oldestDueDate ?? null,
  };
}
