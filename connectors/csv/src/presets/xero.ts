/**
 * Xero exports: the invoice export (Business → Invoices → Export: one row per line item, invoice
 * fields repeated) and the Aged Receivables Detail report saved as CSV (title lines, one row per
 * contact above its invoices, total rows). The contact name is the debtor id in both, as Xero keeps
 * contact names unique within an organisation.
 */
import type { Issue } from "@relance/core";
import type { Column } from "../columns";
import { AdaptedReader, type RowKind, type VendorAdapter } from "./adapted";
import {
  cellAt,
  dueOrTerm,
  fill,
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
  trimmedWidth,
} from "./common";
import type { PresetSetup } from "./reader";

// --- Invoice export -------------------------------------------------------------------------------

const INVOICE_REQUIRED = ["contactname", "invoicenumber", "invoicedate", "duedate", "total", "invoiceamountdue"] as const;

export function looksLikeXeroInvoices(names: readonly string[]): boolean {
  return names.includes("contactname") && names.includes("invoicenumber") && names.includes("invoiceamountdue");
}

/** Xero's status names in the export, and the API's codes. */
const STATUSES: Readonly<Record<string, "open" | "paid" | "void" | "draft">> = {
  draft: "draft",
  awaiting_approval: "draft",
  submitted: "draft",
  awaiting_payment: "open",
  authorised: "open",
  approved: "open",
  overdue: "open",
  paid: "paid",
  voided: "void",
  void: "void",
  deleted: "void",
};

export function xeroInvoicesSetup({ header, line, options }: HeaderInput): PresetSetup | Issue[] {
  const names = presetNames(header);
  const at = (name: string) => names.indexOf(name);
  const issues = INVOICE_REQUIRED.filter((name) => at(name) === -1).map((name) =>
    missingColumn(line, XERO_NAMES[name] ?? name, "xero-invoices", header),
  );
  const currency = at("currency");
  if (currency === -1 && options.currency === undefined) issues.push(noCurrency(line, "xero-invoices"));
  if (issues.length > 0) return issues;

  const width = trimmedWidth(header);
  const name = (position: number) => header[position]?.trim() ?? "";
  const contact = at("contactname");
  const email = at("emailaddress");
  const street = ["poaddressline1", "poaddressline2", "poaddressline3", "poaddressline4"].map(at);
  const postal = at("popostalcode");
  const city = at("pocity");
  const country = at("pocountry");
  const number = at("invoicenumber");
  const reference = at("reference");
  const issued = at("invoicedate");
  const due = at("duedate");
  const total = at("total");
  const amountDue = at("invoiceamountdue");
  const type = at("type");
  const status = at("status");
  const columns: [Column, string][] = [
    ["debtor_id", name(contact)],
    ["debtor_name", name(contact)],
    ["debtor_email", email === -1 ? "EmailAddress" : name(email)],
    ["address_line1", name(street[0] ?? -1) || "POAddressLine1"],
    ["address_line2", name(street[1] ?? -1) || "POAddressLine2"],
    ["postal_code", name(postal) || "POPostalCode"],
    ["city", name(city) || "POCity"],
    ["country", name(country) || "POCountry"],
    ["invoice_number", name(number)],
    ["reference", name(reference) || "Reference"],
    ["issue_date", name(issued)],
    ["due_date", name(due)],
    ["amount", name(total)],
    ["amount_due", name(amountDue)],
    ["currency", currency === -1 ? "currency (setting)" : name(currency)],
    ["status", status === -1 ? "Status" : name(status)],
  ];
  const dateFormat = options.dateFormat;

  return {
    preset: "xero-invoices",
    amountPositions: [total, amountDue],
    defaultMark: ".",
    ignored: [],
    create: (context) => {
      const adapter: VendorAdapter = {
        columns,
        width,
        adapt(fields, row, out): RowKind {
          const kind = cellAt(fields, type).toLowerCase();
          // Bills (ACCPAY) and credit notes are not invoices to collect.
          if (kind.includes("credit") || kind.includes("bill") || kind === "accpay" || kind === "accpaycredit") return "skipped";
          const statusText = cellAt(fields, status);
          let declared: "open" | "paid" | "void" | "draft" | undefined = "open";
          if (statusText !== "") declared = STATUSES[statusText.toLowerCase().replace(/\s+/g, "_")];
          if (declared === undefined) {
            context.issues.add({
              line: row,
              column: name(status),
              message: `"${statusText}" is not a Xero invoice status (Draft, Awaiting Approval, Awaiting Payment, Paid, Voided)`,
            });
            return "ignored";
          }
          if (declared === "draft") return "skipped";
          const streets = street.slice(1).map((position) => cellAt(fields, position));
          const countryText = cellAt(fields, country);
          fill(out, [
            cellAt(fields, contact),
            cellAt(fields, contact),
            cellAt(fields, email),
            cellAt(fields, street[0] ?? -1),
            streets.filter((part) => part !== "").join(", "),
            cellAt(fields, postal),
            cellAt(fields, city),
            // Xero keeps the country as typed ("United Kingdom"); only ISO codes are kept.
            /^[A-Za-z]{2}$/.test(countryText) ? countryText : "",
            cellAt(fields, number),
            cellAt(fields, reference),
            isoDate(cellAt(fields, issued), dateFormat),
            isoDate(cellAt(fields, due), dateFormat),
            cellAt(fields, total),
            declared === "void" ? "0" : cellAt(fields, amountDue),
            currency === -1 ? (options.currency ?? "") : cellAt(fields, currency),
            declared === "open" ? "" : declared,
          ]);
          return "invoice";
        },
      };
      return new AdaptedReader(adapter, context, dateFormat);
    },
  };
}

const XERO_NAMES: Readonly<Record<string, string>> = {
  contactname: "ContactName",
  invoicenumber: "InvoiceNumber",
  invoicedate: "InvoiceDate",
  duedate: "DueDate",
  total: "Total",
  invoiceamountdue: "InvoiceAmountDue",
};

// --- Aged Receivables Detail report ---------------------------------------------------------------

const AGED_NUMBER = ["invoice_number", "number", "transaction"];
const AGED_DATE = ["invoice_date", "date"];
const AGED_BUCKETS = ["current", "<_1_month", "1_month", "2_months", "3_months", "older", "overdue"];

export function looksLikeXeroAgedReceivables(names: readonly string[]): boolean {
  return (
    names.includes("total") &&
    names.includes("due_date") &&
    findColumn(names, AGED_NUMBER) !== -1 &&
    AGED_BUCKETS.some((bucket) => names.includes(bucket))
  );
}

export function xeroAgedSetup({ header, line, options }: HeaderInput): PresetSetup | Issue[] {
  const names = presetNames(header);
  const number = findColumn(names, AGED_NUMBER);
  const issued = findColumn(names, AGED_DATE);
  const due = names.indexOf("due_date");
  const total = names.indexOf("total");
  const issues: Issue[] = [];
  if (number === -1) issues.push(missingColumn(line, "Invoice Number", "xero-aged-receivables", header));
  if (issued === -1) issues.push(missingColumn(line, "Invoice Date", "xero-aged-receivables", header));
  if (total === -1) issues.push(missingColumn(line, "Total", "xero-aged-receivables", header));
  const currency = names.indexOf("currency");
  if (currency === -1 && options.currency === undefined) issues.push(noCurrency(line, "xero-aged-receivables"));
  if (issues.length > 0) return issues;

  const contact = findColumn(names, ["contact", "contact_name"]);
  const email = names.indexOf("email");
  const reference = findColumn(names, ["invoice_reference", "reference"]);
  const name = (position: number, fallback: string) => header[position]?.trim() || fallback;
  const columns = reportColumns({
    debtor: name(contact, "Contact"),
    email: name(email, "Email"),
    number: name(number, "Invoice Number"),
    reference: name(reference, "Invoice Reference"),
    issued: name(issued, "Invoice Date"),
    due: name(due, "Due Date"),
    total: name(total, "Total"),
    open: name(total, "Total"),
    currency: currency === -1 ? "currency (setting)" : name(currency, "Currency"),
  });
  const dateFormat = options.dateFormat;
  const term = options.defaultPaymentTermDays;

  return {
    preset: "xero-aged-receivables",
    amountPositions: [total],
    defaultMark: ".",
    ignored: [],
    create: (context) => {
      let group = "";
      const adapter: VendorAdapter = {
        columns,
        adapt(fields, row, out): RowKind {
          const filled = nonEmptyCells(fields);
          if (filled === 0) return "ignored";
          const numberText = cellAt(fields, number);
          const first = fields.find((field) => field.trim() !== "")?.trim() ?? "";
          if (filled === 1 && numberText === "") {
            // The contact's name above its invoices (or a title or footer line, followed by none).
            group = first;
            return "ignored";
          }
          if (numberText === "") return /^total\b/i.test(first) ? "ignored" : "skipped";
          const amount = cellAt(fields, total);
          // Credit notes and overpayments: what the contact has in credit is not an invoice.
          if (isNegative(amount)) return "skipped";
          const debtor = contact === -1 ? group : cellAt(fields, contact);
          if (debtor === "") {
            context.issues.add({
              line: row,
              message:
                "no contact for this invoice: the report must be grouped by contact (a line with the contact's name above its invoices)",
            });
            return "ignored";
          }
          const issue = isoDate(cellAt(fields, issued), dateFormat);
          // The report shows only what is outstanding: it is both the total and the balance.
          fillReportRow(out, {
            debtor,
            email: cellAt(fields, email),
            number: numberText,
            reference: cellAt(fields, reference),
            issued: issue,
            due: dueOrTerm(cellAt(fields, due), issue, term, dateFormat),
            total: amount,
            open: amount,
            currency: currency === -1 ? (options.currency ?? "") : cellAt(fields, currency),
          });
          return "invoice";
        },
      };
      return new AdaptedReader(adapter, context, dateFormat);
    },
  };
}
