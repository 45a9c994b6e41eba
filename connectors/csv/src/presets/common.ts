/** Small helpers shared by the presets: header lookup, cells, and the date forms ledger exports write. */
import { addDays, type Issue } from "@relance/core";
import { type Column, normaliseHeader } from "../columns";
import { parseDate } from "../dates";
import type { DateFormat, ResolvedOptions } from "../options";

/** Header names as compared by the presets: normalised as for the ledger format, Xero's "*" dropped. */
export function presetNames(header: readonly string[]): string[] {
  return header.map((name) => normaliseHeader(name.replace(/^\*/, "")));
}

/** The position of the first header name among `candidates` (normalised names), or -1. */
export function findColumn(names: readonly string[], candidates: readonly string[]): number {
  for (const candidate of candidates) {
    const at = names.indexOf(candidate);
    if (at !== -1) return at;
  }
  return -1;
}

export function cellAt(fields: readonly string[], position: number): string {
  return position < 0 ? "" : (fields[position] ?? "").trim();
}

export function nonEmptyCells(fields: readonly string[]): number {
  let count = 0;
  for (const field of fields) if (field.trim() !== "") count++;
  return count;
}

const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
/** "15 Jan 2026", "15-Jan-2026" (Xero reports) and "Jan 15, 2026". */
const DAY_MONTH_NAME = /^(\d{1,2})[\s-]+([A-Za-z]{3})[A-Za-z]*\.?[\s-]+(\d{4})$/;
const MONTH_NAME_DAY = /^([A-Za-z]{3})[A-Za-z]*\.?\s+(\d{1,2}),?\s+(\d{4})$/;

/**
 * The cell as YYYY-MM-DD when it is a date in `format` or with a month name; otherwise the text as
 * written, for the row reader to report.
 */
export function isoDate(text: string, format: DateFormat): string {
  const trimmed = text.trim();
  const named = DAY_MONTH_NAME.exec(trimmed) ?? swapped(MONTH_NAME_DAY.exec(trimmed));
  if (named) {
    const month = MONTHS.indexOf((named[2] as string).toLowerCase()) + 1;
    if (month > 0) {
      const iso = `${named[3]}-${String(month).padStart(2, "0")}-${(named[1] as string).padStart(2, "0")}`;
      const parsed = parseDate(iso, "iso");
      return parsed.ok ? parsed.date : trimmed;
    }
  }
  const parsed = parseDate(trimmed, format);
  return parsed.ok ? parsed.date : trimmed;
}

function swapped(match: RegExpExecArray | null): string[] | null {
  return match === null ? null : [match[0], match[2] as string, match[1] as string, match[3] as string];
}

/** The due date `days` after an ISO issue date, or undefined when the issue date is not one. */
export function dueAfter(issue: string, days: number): string | undefined {
  return parseDate(issue, "iso").ok ? addDays(issue, days) : undefined;
}

/** "-12.50", "(12.50)", "12.50-", "$(250.00)": a credit in a report. */
export function isNegative(text: string): boolean {
  const trimmed = text.trim();
  return trimmed.startsWith("-") || trimmed.startsWith("−") || trimmed.includes("(") || trimmed.endsWith("-");
}

/** An amount cell without a leading currency sign (QuickBooks writes "$1,234.00" in some rows). */
export function withoutDollar(text: string): string {
  return text.trim().replace(/^\$/, "");
}

export function missingColumn(line: number, column: string, preset: string, found: readonly string[]): Issue {
  const header = found.filter((name) => name.trim() !== "").join(", ") || "(nothing)";
  return { line, column, message: `missing column ${column} for the ${preset} preset; the header has: ${header}` };
}

/** What a preset's setup is given: the header row, its line, and the import's settings. */
export interface HeaderInput {
  readonly header: readonly string[];
  readonly line: number;
  readonly options: ResolvedOptions;
}

export function noCurrency(line: number, preset: string): Issue {
  return {
    line,
    column: "currency",
    message: `the ${preset} file has no currency column: set the currency setting (e.g. "GBP")`,
  };
}

/** The header's width without trailing empty cells. */
export function trimmedWidth(header: readonly string[]): number {
  let width = header.length;
  while (width > 0 && (header[width - 1] ?? "").trim() === "") width--;
  return width;
}

export function fill(out: string[], values: readonly string[]): void {
  for (let i = 0; i < values.length; i++) out[i] = values[i] as string;
}

/**
 * One invoice line of a grouped receivables report (Xero's Aged Receivables Detail, QuickBooks'
 * invoice and ageing reports): the same ledger columns, in one order, for both. The contact or
 * customer is both the debtor's id and name.
 */
export interface ReportRow<T = string> {
  readonly debtor: T;
  readonly email: T;
  readonly number: T;
  readonly reference: T;
  readonly issued: T;
  readonly due: T;
  readonly total: T;
  readonly open: T;
  readonly currency: T;
}

/** The report's ledger columns, each with the name the file gives it (used in messages). */
export function reportColumns(names: ReportRow): [Column, string][] {
  return [
    ["debtor_id", names.debtor],
    ["debtor_name", names.debtor],
    ["debtor_email", names.email],
    ["invoice_number", names.number],
    ["reference", names.reference],
    ["issue_date", names.issued],
    ["due_date", names.due],
    ["amount", names.total],
    ["amount_due", names.open],
    ["currency", names.currency],
  ];
}

/** Fills `out` in the order of `reportColumns`. */
export function fillReportRow(out: string[], row: ReportRow): void {
  fill(out, [
    row.debtor,
    row.debtor,
    row.email,
    row.number,
    row.reference,
    row.issued,
    row.due,
    row.total,
    row.open,
    row.currency,
  ]);
}

/** A report's due date: the one written, or the default payment term after the issue date. */
export function dueOrTerm(dueText: string, issue: string, term: number, format: DateFormat): string {
  return dueText === "" ? (dueAfter(issue, term) ?? issue) : isoDate(dueText, format);
}
