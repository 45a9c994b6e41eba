/** Parse options: the connection's stored settings (zod) plus per-call limits. */
import { isCurrency, RelanceError } from "@relance/core";
import { z } from "zod";
import { COLUMNS } from "./columns";

export const PRESETS = [
  "auto",
  "ledger",
  "fec",
  "xero-invoices",
  "xero-aged-receivables",
  "qbo-invoice-list",
  "qbo-ar-aging",
] as const;

export const csvConfigSchema = z.object({
  /** Which layout the file has; "auto" tells it from the header (see FORMAT.md, "Presets"). */
  preset: z.enum(PRESETS).default("auto"),
  /** File header name → our column, e.g. `{ "Montant TTC": "amount" }`. Header names match case-insensitively. */
  mapping: z.record(z.string().min(1), z.enum(COLUMNS)).default({}),
  encoding: z.enum(["auto", "utf-8", "windows-1252", "iso-8859-15"]).default("auto"),
  delimiter: z.enum(["auto", ",", ";", "\t", "|"]).default("auto"),
  /** "auto": taken from the file (see FORMAT.md, "Amounts"). */
  decimalSeparator: z.enum(["auto", ".", ","]).default("auto"),
  /** How to read dates written with `/`, `.` or `-` between day, month and year. ISO dates are always accepted. */
  dateFormat: z.enum(["dmy", "mdy", "iso"]).default("dmy"),
  /** Days from issue to due date when the file has no due date (FEC, some QuickBooks reports). 30: the French B2B default. */
  defaultPaymentTermDays: z.number().int().min(0).max(365).default(30),
  /** Currency of files that name none (QuickBooks reports, Xero aged receivables). A FEC defaults to EUR. */
  currency: z
    .string()
    .transform((code) => code.trim().toUpperCase())
    .refine(isCurrency, { message: "must be an ISO 4217 currency code such as EUR" })
    .optional(),
  /** FEC: account number prefixes of customer accounts. */
  customerAccounts: z
    .array(z.string().regex(/^\d{1,10}$/))
    .min(1)
    .default(["411"]),
});

export type CsvConfig = z.infer<typeof csvConfigSchema>;
export type CsvConfigInput = z.input<typeof csvConfigSchema>;
export type CsvEncoding = CsvConfig["encoding"];
export type DateFormat = CsvConfig["dateFormat"];
export type Preset = Exclude<CsvConfig["preset"], "auto">;
export type DecimalMark = "." | ",";

export interface ParseLedgerCsvOptions extends CsvConfigInput {
  /** Larger inputs fail with `payload_too_large` as soon as the limit is passed. Default 100 MiB. */
  readonly maxBytes?: number;
  /** Invoices per yielded batch. Default 1000. */
  readonly batchSize?: number;
  /** Issues kept in the final error; the rest are counted. Default 1000. */
  readonly maxIssues?: number;
  /** Used in messages ("invoices.csv has 3 problems"). Default "the file". */
  readonly fileName?: string;
}

export interface ResolvedOptions extends CsvConfig {
  /** Whether dateFormat was set: QuickBooks presets read month/day/year unless told otherwise. */
  readonly dateFormatSet: boolean;
  readonly maxBytes: number;
  readonly batchSize: number;
  readonly maxIssues: number;
  readonly fileName: string;
}

export const DEFAULT_MAX_BYTES = 100 * 1024 * 1024;

const limitsSchema = z.object({
  maxBytes: z.number().int().positive().default(DEFAULT_MAX_BYTES),
  batchSize: z.number().int().positive().max(100_000).default(1000),
  maxIssues: z.number().int().positive().default(1000),
  fileName: z.string().min(1).default("the file"),
});

export function resolveOptions(options: ParseLedgerCsvOptions = {}): ResolvedOptions {
  const config = csvConfigSchema.safeParse(options);
  const limits = limitsSchema.safeParse(options);
  if (!config.success || !limits.success) {
    const issues = [...(config.error?.issues ?? []), ...(limits.error?.issues ?? [])].map((issue) => ({
      path: issue.path.map(String).join("."),
      message: issue.message,
    }));
    throw new RelanceError("validation_failed", "invalid CSV parse options", { issues });
  }
  return { ...config.data, ...limits.data, dateFormatSet: options.dateFormat !== undefined };
}
