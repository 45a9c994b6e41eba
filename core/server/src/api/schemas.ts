/** Shared OpenAPI schemas of the v1 API. */
import { z } from "@hono/zod-openapi";
import { collectionPolicySchema, isCalendarDate, isCurrency } from "@relance/core";
import { DISPUTE_REASONS, type DisputeReason, TASK_KINDS, type TaskKind } from "@relance/store";

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

export const disputeIdParamSchema = debtorIdParamSchema.extend({
  disputeId: z.uuid().openapi({ param: { name: "disputeId", in: "path" } }),
});

export const taskIdParamSchema = z.object({
  taskId: z.uuid().openapi({ param: { name: "taskId", in: "path" } }),
});

export const policyKeyParamSchema = z.object({
  key: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]*$/, "lower-case letters, digits and dashes")
    .max(100)
    .openapi({ param: { name: "key", in: "path" }, example: "fr-b2b" }),
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

export const calendarDateSchema = z
  .string()
  .refine(isCalendarDate, "must be a calendar date YYYY-MM-DD")
  .openapi({ format: "date", example: "2026-03-31" });

export const currencySchema = z
  .string()
  .refine(isCurrency, "must be an ISO 4217 currency code such as EUR")
  .openapi({ example: "EUR" });

export const mediatorSchema = z
  .discriminatedUnion("kind", [
    z.object({ kind: z.literal("user"), userId: z.string().min(1).max(200), name: z.string().min(1).max(200) }).strict(),
    z.object({ kind: z.literal("external"), name: z.string().min(1).max(200), email: z.email().max(320) }).strict(),
  ])
  .openapi("Mediator");

export const disputeReasonSchema = z.enum(DISPUTE_REASONS as [DisputeReason, ...DisputeReason[]]).openapi("DisputeReason");

export const disputeSchema = z
  .object({
    id: z.string(),
    invoiceId: z.string(),
    amountMinor: z.number().int().openapi({ description: "The disputed part of the invoice, minor units" }),
    currency: z.string(),
    reason: disputeReasonSchema,
    comment: z.string(),
    status: z.enum(["open", "in_mediation", "upheld", "rejected", "partly_upheld", "escalated", "withdrawn"]),
    mediator: mediatorSchema.nullable(),
    slaDueAt: z.string().nullable().openapi({ description: "When mediation must reach an outcome (ISO 8601)" }),
    outcome: z.object({ upheldMinor: z.number().int(), explanation: z.string() }).nullable(),
    openedAt: z.string(),
    resolvedAt: z.string().nullable(),
  })
  .openapi("Dispute");

export const promiseSchema = z
  .object({
    id: z.string(),
    promisedDate: z.string(),
    amountMinor: z.number().int(),
    currency: z.string(),
    invoiceIds: z.array(z.string()),
    status: z.enum(["open", "kept", "broken", "cancelled"]),
    source: z.enum(["api", "reply", "phone", "debtor_page"]),
    createdAt: z.string(),
  })
  .openapi("PromiseToPay");

export const paymentPlanSchema = z
  .object({
    id: z.string(),
    currency: z.string(),
    totalMinor: z.number().int(),
    status: z.enum(["active", "completed", "broken", "cancelled"]),
    createdAt: z.string(),
    instalments: z.array(
      z.object({
        seq: z.number().int(),
        dueDate: z.string(),
        amountMinor: z.number().int(),
        status: z.enum(["due", "paid", "missed"]),
      }),
    ),
  })
  .openapi("PaymentPlan");

export const caseSchema = z
  .object({
    debtorId: z.string(),
    workflowId: z.string(),
    state: z.enum(["open", "closed", "none"]).openapi({ description: "Whether the debtor's case workflow is running" }),
    stage: z.string().nullable().openapi({ example: "chasing" }),
    idleReason: z
      .string()
      .nullable()
      .openapi({ description: "Why nothing is scheduled (paused, awaiting_human, all_disputed, …)" }),
    paused: z.boolean(),
    policy: z.object({ key: z.string(), version: z.number().int() }).nullable(),
    level: z.number().int().nullable().openapi({ description: "Index of the last ladder step done, -1 before the first" }),
    lastStepId: z.string().nullable(),
    nextAction: z
      .object({ kind: z.string(), stepId: z.string().nullable(), action: z.string().nullable(), at: z.string() })
      .nullable()
      .openapi({ description: "What the case does next and when (ISO 8601); null when it waits for something" }),
    today: z.string().nullable().openapi({ description: "Today in the case's policy calendar" }),
    openBalances: z.array(moneySchema),
    disputes: z.array(disputeSchema),
    promise: promiseSchema.nullable().openapi({ description: "The open promise to pay, if any" }),
    plan: paymentPlanSchema.nullable().openapi({ description: "The active payment plan, if any" }),
    promises: z.object({ kept: z.number().int(), broken: z.number().int() }),
    timeline: z.array(timelineEntrySchema),
    timelineNextCursor: z.string().nullable(),
  })
  .openapi("Case");

/** What a command that creates something answers: the new id and the case after it. */
export const createdSchema = z.object({ id: z.string(), case: caseSchema }).openapi("Created");

export const taskSchema = z
  .object({
    id: z.string(),
    debtorId: z.string().nullable(),
    kind: z.enum(TASK_KINDS as [TaskKind, ...TaskKind[]]),
    title: z.string(),
    detail: z.record(z.string(), z.unknown()),
    status: z.enum(["open", "done", "cancelled"]),
    dueAt: z.string(),
    assignee: z.string().nullable(),
    outcome: z.string().nullable(),
    outcomeNote: z.string().nullable(),
    createdAt: z.string(),
    completedAt: z.string().nullable(),
  })
  .openapi("Task");

/**
 * A policy definition as people write it (YAML or JSON); the store assigns the version. Cloned: a schema
 * built before @hono/zod-openapi extended zod (the core's may be) has no `.openapi` of its own.
 */
export const policyDefinitionSchema = collectionPolicySchema.clone().openapi("PolicyDefinition");

export const storedPolicySchema = z
  .object({
    key: z.string(),
    version: z.number().int(),
    name: z.string(),
    createdAt: z.string(),
    policy: policyDefinitionSchema,
  })
  .openapi("StoredPolicy");

export function pageOf<T extends z.ZodType>(item: T, name: string) {
  return z.object({ items: z.array(item), nextCursor: z.string().nullable() }).openapi(name);
}
