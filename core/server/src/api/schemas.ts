/** Shared OpenAPI schemas of the v1 API. */
import { z } from "@hono/zod-openapi";

export const moneySchema = z
  .object({
    amountMinor: z.number().int().openapi({ description: "Integer minor units (cents)", example: 125000 }),
    currency: z.string().length(3).openapi({ example: "EUR" }),
  })
  .openapi("Money");

export const pageQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50).openapi({ description: "Page size (1–500)" }),
  cursor: z.string().max(500).optional().openapi({ description: "Opaque cursor from the previous page's nextCursor" }),
});

export const debtorIdParamSchema = z.object({
  debtorId: z.uuid().openapi({ param: { name: "debtorId", in: "path" }, example: "0b7c6a7e-6f0e-4a58-9a43-2d0b4ad1c0f1" }),
});

export const debtorSchema = z
  .object({
    id: z.string(),
    externalId: z.string(),
    connectionId: z.string(),
    name: z.string(),
    emails: z.array(z.string()),
    language: z.string().nullable(),
    openBalances: z.array(moneySchema),
    oldestDueDate: z.string().nullable(),
  })
  .openapi("Debtor");

export const invoiceSchema = z
  .object({
    id: z.string(),
    debtorId: z.string(),
    externalId: z.string(),
    number: z.string(),
    currency: z.string(),
    totalMinor: z.number().int(),
    balanceMinor: z.number().int(),
    issueDate: z.string(),
    dueDate: z.string(),
    status: z.enum(["open", "paid", "void"]),
  })
  .openapi("Invoice");

export const timelineEntrySchema = z
  .object({
    at: z.string().openapi({ description: "When it happened (ISO 8601)" }),
    kind: z.string().openapi({ example: "message" }),
    channel: z.string().nullable(),
    status: z.string().openapi({ example: "accepted" }),
    summary: z.string(),
    messageId: z.string().nullable(),
    delivery: z
      .object({ status: z.string(), at: z.string(), detail: z.string().nullable() })
      .nullable()
      .openapi({ description: "Latest delivery event reported by the provider for this message" }),
  })
  .openapi("TimelineEntry");

export const caseSchema = z
  .object({
    debtorId: z.string(),
    workflowId: z.string(),
    state: z.enum(["open", "closed", "none"]),
    stage: z.string().nullable(),
    paused: z.boolean(),
    policy: z.object({ key: z.string(), version: z.number().int() }).nullable(),
    lastStepId: z.string().nullable(),
    nextStep: z.object({ stepId: z.string(), at: z.string() }).nullable(),
    openBalances: z.array(moneySchema),
    timeline: z.array(timelineEntrySchema),
    timelineNextCursor: z.string().nullable(),
  })
  .openapi("Case");

export function pageOf<T extends z.ZodType>(item: T, name: string) {
  return z.object({ items: z.array(item), nextCursor: z.string().nullable() }).openapi(name);
}
