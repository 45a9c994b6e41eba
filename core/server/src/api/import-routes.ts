/** Ledger file upload: the body is the CSV itself (text/csv) or a multipart form with a `file` field. */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { PRESETS } from "@relance/connector-csv";
import { RelanceError } from "@relance/core";
import type { ImportRequest } from "../importer";
import type { ApiEnv } from "./context";
import { problemResponses } from "./openapi";
import { validationHook } from "./problem";
import type { ApiServices } from "./services";

const countsSchema = z.object({ created: z.number().int(), updated: z.number().int(), unchanged: z.number().int() });

export const importResultSchema = z
  .object({
    importId: z.string(),
    fileName: z.string(),
    preset: z.enum(PRESETS).openapi({ description: "The layout the file was read as" }),
    rows: z.number().int(),
    skippedRows: z.number().int().openapi({ description: "Rows that are not invoices to collect (credit notes, payments…)" }),
    debtors: countsSchema,
    invoices: countsSchema,
    changedDebtors: z.number().int().openapi({ description: "Debtors whose open balance changed; their cases are updated" }),
    workflowId: z.string().nullable().openapi({ description: "The sync workflow signalling those cases" }),
  })
  .openapi("ImportResult");

const importQuerySchema = z.object({
  connection: z.string().min(1).max(100).default("default").openapi({ description: "Name of the CSV ledger within the tenant" }),
  fileName: z.string().max(255).optional(),
  preset: z
    .enum(PRESETS)
    .optional()
    .openapi({ description: "The file's layout: auto (from its header), ledger, fec, or a Xero / QuickBooks export" }),
  encoding: z.enum(["auto", "utf-8", "windows-1252", "iso-8859-15"]).optional(),
  delimiter: z.enum([",", ";", "\t", "|"]).optional(),
  dateFormat: z.enum(["dmy", "mdy", "iso"]).optional(),
  currency: z.string().length(3).optional().openapi({ description: "Currency of files that name none (QuickBooks reports)" }),
  defaultPaymentTermDays: z.coerce
    .number()
    .int()
    .min(0)
    .max(365)
    .optional()
    .openapi({ description: "Days from issue to due date when the file has none (FEC); default 30" }),
  mapping: z
    .string()
    .max(10_000)
    .optional()
    .openapi({ description: 'JSON object mapping your headers to ours, e.g. {"Client":"debtor_name"}' }),
});

async function* webStreamChunks(stream: ReadableStream<Uint8Array>): AsyncIterable<Uint8Array> {
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    reader.releaseLock();
  }
}

function parseMapping(text: string | undefined): Record<string, string> | undefined {
  if (text === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new RelanceError("validation_failed", "mapping is not valid JSON", {
      issues: [{ path: "mapping", message: "not valid JSON" }],
    });
  }
  const mapping = z.record(z.string(), z.string()).safeParse(parsed);
  if (!mapping.success) {
    throw new RelanceError("validation_failed", "mapping must map header names to column names", {
      issues: [{ path: "mapping", message: "must be an object of strings" }],
    });
  }
  return mapping.data;
}

export function importRoutes(services: ApiServices) {
  const app = new OpenAPIHono<ApiEnv>({ defaultHook: validationHook });

  app.openapi(
    createRoute({
      method: "post",
      path: "/imports",
      tags: ["Imports"],
      summary: "Import a ledger CSV",
      description:
        "The whole file lands or nothing does: a bad file is rejected with every problem as `line N, column X: why`. " +
        "Importing the same file again changes nothing; a later file updates what changed (a paid invoice stops its reminders).",
      security: [{ bearer: [] }],
      request: {
        query: importQuerySchema,
        body: {
          required: true,
          content: {
            "text/csv": { schema: z.string().openapi({ format: "binary" }) },
            "multipart/form-data": {
              // Optional here: the same route also takes text/csv, and the handler names a missing file.
              schema: z.object({
                file: z
                  .custom<File>((value) => value instanceof File)
                  .optional()
                  .openapi({ type: "string", format: "binary" }),
              }),
            },
          },
        },
      },
      responses: {
        201: { description: "Imported", content: { "application/json": { schema: importResultSchema } } },
        ...problemResponses(401, 413, 415, 422),
      },
    }),
    async (c) => {
      const query = c.req.valid("query");
      const contentType = c.req.header("content-type") ?? "";
      const declared = Number(c.req.header("content-length"));
      if (Number.isFinite(declared) && declared > services.limits.maxImportBytes) {
        throw new RelanceError(
          "payload_too_large",
          `the file is larger than the ${services.limits.maxImportBytes}-byte import limit`,
        );
      }
      let body: AsyncIterable<Uint8Array>;
      let fileName = query.fileName ?? "upload.csv";
      if (contentType.startsWith("multipart/form-data")) {
        const form = await c.req.formData();
        const file = form.get("file");
        if (!(file instanceof File)) {
          throw new RelanceError("validation_failed", "the form has no file", {
            issues: [{ path: "file", message: "required" }],
          });
        }
        fileName = query.fileName ?? file.name;
        body = webStreamChunks(file.stream());
      } else if (/^(text\/csv|text\/plain|application\/octet-stream|text\/tab-separated-values)/.test(contentType)) {
        if (!c.req.raw.body) throw new RelanceError("validation_failed", "the request has no body");
        body = webStreamChunks(c.req.raw.body);
      } else {
        throw new RelanceError(
          "unsupported_media_type",
          "send the file as text/csv or as multipart/form-data with a `file` field",
        );
      }
      const mapping = parseMapping(query.mapping);
      const result = await services.importer.importLedgerFile({
        tenantId: c.get("tenantId"),
        connectionName: query.connection,
        fileName,
        body,
        options: {
          ...(query.preset ? { preset: query.preset } : {}),
          ...(query.currency ? { currency: query.currency } : {}),
          ...(query.defaultPaymentTermDays === undefined ? {} : { defaultPaymentTermDays: query.defaultPaymentTermDays }),
          ...(query.encoding ? { encoding: query.encoding } : {}),
          ...(query.delimiter ? { delimiter: query.delimiter } : {}),
          ...(query.dateFormat ? { dateFormat: query.dateFormat } : {}),
          // Column names are checked by the parser, which names any unknown one.
          ...(mapping ? { mapping: mapping as NonNullable<ImportRequest["options"]>["mapping"] } : {}),
        },
      });
      return c.json(result, 201);
    },
  );

  return app;
}
