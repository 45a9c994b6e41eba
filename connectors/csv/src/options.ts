/** Parse options: the connection's stored settings (zod) plus per-call limits. */
import { RelanceError } from "@relance/core";
import { z } from "zod";
import { COLUMNS } from "./columns";

export const csvConfigSchema = z.object({
  /** File header name → our column, e.g. `{ "Montant TTC": "amount" }`. Header names match case-insensitively. */
  mapping: z.record(z.string().min(1), z.enum(COLUMNS)).default({}),
  encoding: z.enum(["auto", "utf-8", "windows-1252"]).default("auto"),
  delimiter: z.enum(["auto", ",", ";", "\t"]).default("auto"),
  /** "auto": taken from the file (see FORMAT.md, "Amounts"). */
  decimalSeparator: z.enum(["auto", ".", ","]).default("auto"),
  /** How to read dates written with `/`, `.` or `-` between day, month and year. ISO dates are always accepted. */
  dateFormat: z.enum(["dmy", "mdy", "iso"]).default("dmy"),
});

export type CsvConfig = z.infer<typeof csvConfigSchema>;
export type CsvConfigInput = z.input<typeof csvConfigSchema>;
export type CsvEncoding = CsvConfig["encoding"];
export type DateFormat = CsvConfig["dateFormat"];
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
  return { ...config.data, ...limits.data };
}
