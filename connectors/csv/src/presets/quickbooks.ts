/**
 * QuickBooks Online reports exported as CSV: "Invoice List" / "Open Invoices" and "A/R Aging Detail".
 * Both start with title lines (company, report name, date), may group rows under a label line
 * (a customer, or an ageing bucket such as "1 - 30 days past due"), close each group with a
 * "Total for …" line and end with "TOTAL" and a footer; amounts are written "1,234.56".
 */
import type { Issue } from "@relance/core";
import type { Preset } from "../options";
import { AdaptedReader, type RowKind, type VendorAdapter } from "./adapted";
import {
  cellAt,
  dueOrTerm,
  fillReportRow,
  findColumn,
  type HeaderInput,
  isNegative,
  isoDate,
  missingColumn,
  noCurrency,
  nonEmptyCells,
  presetNames,
  reportColumns,
  withoutDollar,
} from "./common";
import type { PresetSetup } from "./reader";

const DATE = ["date", "transaction_date", "invoice_date"];
const TYPE = ["transaction_type", "type"];
const NUMBER = ["num", "no", "invoice_no", "invoice_number", "number"];
const CUSTOMER = ["customer", "customer_full_name", "customer_name", "customer_display_name", "name"];
const DUE = ["due_date"];
const AMOUNT = ["amount", "total", "total_amount", "invoice_amount"];
const OPEN = ["open_balance", "balance", "open_balance_amount"];
const REFERENCE = ["p_o_number", "p_o_#", "po_number", "po_#"];
const EMAIL = ["email", "customer_email"];
const AGING = ["past_due", "aging"];

export function looksLikeQuickBooks(names: readonly string[]): boolean {
  return findColumn(names, NUMBER) !== -1 && findColumn(names, DATE) !== -1 && findColumn(names, OPEN) !== -1;
}

/**
 * Which of the two reports a QuickBooks header is: an ageing column or the report's title line says;
 * undefined when neither does.
 */
export function quickBooksReport(names: readonly string[], titles: readonly string[]): Preset | undefined {
  if (findColumn(names, AGING) !== -1) return "qbo-ar-aging";
  for (const title of titles) {
    if (/a\/?r aging|aged receivables/i.test(title)) return "qbo-ar-aging";
    if (/invoice list|open invoices/i.test(title)) return "qbo-invoice-list";
  }
  return undefined;
}

export function quickBooksSetup(preset: Preset, { header, line, options }: HeaderInput): PresetSetup | Issue[] {
  const names = presetNames(header);
  const number = findColumn(names, NUMBER);
  const issued = findColumn(names, DATE);
  const open = findColumn(names, OPEN);
  const amount = findColumn(names, AMOUNT);
  const issues: Issue[] = [];
  if (number === -1) issues.push(missingColumn(line, "Num", preset, header));
  if (issued === -1) issues.push(missingColumn(line, "Date", preset, header));
  if (open === -1) issues.push(missingColumn(line, "Open Balance", preset, header));
  const currency = names.indexOf("currency");
  if (currency === -1 && options.currency === undefined) issues.push(noCurrency(line, preset));
  if (issues.length > 0) return issues;

  const type = findColumn(names, TYPE);
  const customer = findColumn(names, CUSTOMER);
  const due = findColumn(names, DUE);
  const reference = findColumn(names, REFERENCE);
  const email = findColumn(names, EMAIL);
  const name = (position: number, fallback: string) => header[position]?.trim() || fallback;
  const columns = reportColumns({
    debtor: name(customer, "Customer"),
    email: name(email, "Email"),
    number: name(number, "Num"),
    reference: name(reference, "P.O. Number"),
    issued: name(issued, "Date"),
    due: name(due, "Due Date"),
    total: name(amount, name(open, "Amount")),
    open: name(open, "Open Balance"),
    currency: currency === -1 ? "currency (setting)" : name(currency, "Currency"),
  });
  // US companies write month/day/year; a dateFormat setting says otherwise (UK, Canada, France…).
  const dateFormat = options.dateFormatSet ? options.dateFormat : "mdy";
  const term = options.defaultPaymentTermDays;

  return {
    preset,
    amountPositions: amount === -1 ? [open] : [amount, open],
    defaultMark: ".",
    ignored: [],
    create: (context) => {
      let group = "";
      const adapter: VendorAdapter = {
        columns,
        adapt(fields, row, out): RowKind {
          const filled = nonEmptyCells(fields);
          if (filled === 0) return "ignored";
          const first = fields.find((field) => field.trim() !== "")?.trim() ?? "";
          const numberText = cellAt(fields, number);
          const dateText = cellAt(fields, issued);
          if (/^total\b/i.test(cellAt(fields, 0)) || (numberText === "" && dateText === "")) {
            // Group labels (a customer when there is no customer column), totals, footer.
            if (filled === 1) group = first;
            return "ignored";
          }
          const kind = cellAt(fields, type).toLowerCase();
          // Payments, credit memos, journal entries: not invoices to collect.
          if (type !== -1 && kind !== "invoice") return "skipped";
          const openText = withoutDollar(cellAt(fields, open));
          const totalText = amount === -1 ? openText : withoutDollar(cellAt(fields, amount));
          if (isNegative(openText) || isNegative(totalText)) return "skipped";
          const debtor = customer === -1 ? group : cellAt(fields, customer);
          if (debtor === "") {
            context.issues.add({
              line: row,
              column: name(customer, "Customer"),
              message: "no customer for this invoice: add the Customer column to the report or group it by customer",
            });
            return "ignored";
          }
          const issue = isoDate(dateText, dateFormat);
          fillReportRow(out, {
            debtor,
            email: cellAt(fields, email),
            number: numberText,
            reference: cellAt(fields, reference),
            issued: issue,
            due: dueOrTerm(cellAt(fields, due), issue, term, dateFormat),
            total: totalText,
            open: openText,
            currency: currency === -1 ? (options.currency ?? "") : cellAt(fields, currency),
          });
          return "invoice";
        },
      };
      return new AdaptedReader(adapter, context, dateFormat);
    },
  };
}
