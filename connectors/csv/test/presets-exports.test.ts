/** Xero and QuickBooks Online exports (test/corpus/csv/presets/xero-*, qbo-*). */
import { describe, expect, it } from "vitest";
import { readLedgerCsv } from "../src/index";
import { invoice, noContact, presetProblems, readPreset, utf8 } from "./presets-helpers";

describe("Xero invoice export", () => {
  it("xero-invoices.csv: line items grouped, multi-currency, paid and voided kept, drafts and credit notes skipped", async () => {
    const { debtors, invoices, summary } = await readPreset("xero-invoices.csv");
    expect(debtors).toEqual([
      {
        externalId: "ABC Furniture",
        name: "ABC Furniture",
        emails: ["accounts@abcfurniture.example"],
        // "United Kingdom" is not an ISO code: not kept.
        address: { lines: ["Unit 4, Riverside Park", "Albert Road"], postalCode: "BS2 0XX", city: "Bristol" },
        tags: [],
      },
      {
        externalId: "Boom FM",
        name: "Boom FM",
        emails: ["ap@boomfm.example"],
        address: { lines: ["1500 Broadway", "Suite 1200, Floor 12"], postalCode: "10036", city: "New York", country: "US" },
        tags: [],
      },
      {
        externalId: "City Limousines",
        name: "City Limousines",
        address: { lines: ["29 Harbour Street"], postalCode: "EH6 6QN", city: "Leith", country: "GB" },
        ...noContact,
      },
    ]);
    expect(invoices).toEqual([
      invoice("INV-0001", {
        debtorExternalId: "ABC Furniture",
        currency: "GBP",
        totalMinor: 120000,
        balanceMinor: 100000,
        issueDate: "2026-01-15",
        dueDate: "2026-02-14",
        status: "open",
        reference: "PO-4471",
      }),
      invoice("INV-0002", {
        debtorExternalId: "ABC Furniture",
        currency: "GBP",
        totalMinor: 54000,
        balanceMinor: 0,
        issueDate: "2026-02-02",
        dueDate: "2026-03-04",
        status: "paid",
      }),
      invoice("INV-0003", {
        debtorExternalId: "Boom FM",
        currency: "USD",
        totalMinor: 250000,
        balanceMinor: 250000,
        issueDate: "2026-02-10",
        dueDate: "2026-03-12",
        status: "open",
        reference: "Spring campaign",
      }),
      invoice("INV-0004", {
        debtorExternalId: "City Limousines",
        currency: "GBP",
        totalMinor: 30000,
        balanceMinor: 0,
        issueDate: "2026-02-20",
        dueDate: "2026-03-22",
        status: "void",
      }),
    ]);
    expect(summary).toMatchObject({
      preset: "xero-invoices",
      rows: 9,
      invoices: 4,
      duplicateRows: 3,
      skippedRows: 2,
      encoding: "utf-8",
    });
  });

  it("reports a line item that disagrees with its invoice, and an unknown status", async () => {
    const header =
      "ContactName,EmailAddress,InvoiceNumber,Reference,InvoiceDate,DueDate,Total,InvoiceAmountDue,Description,Currency,Type,Status";
    const text = [
      header,
      "Acme,,INV-1,,15/01/2026,14/02/2026,100.00,100.00,A,GBP,Sales invoice,Awaiting Payment",
      "Acme,,INV-1,,15/01/2026,14/02/2026,120.00,100.00,B,GBP,Sales invoice,Awaiting Payment",
      "Acme,,INV-2,,15/01/2026,14/02/2026,50.00,50.00,C,GBP,Sales invoice,Pending",
    ].join("\n");
    expect(await presetProblems(utf8(text))).toEqual([
      { line: 3, column: "Total", message: "duplicate invoice number INV-1 with a different amount (first on line 2)" },
      {
        line: 4,
        column: "Status",
        message: '"Pending" is not a Xero invoice status (Draft, Awaiting Approval, Awaiting Payment, Paid, Voided)',
      },
    ]);
  });

  it("reads month/day/year for a US organisation when told", async () => {
    const text =
      "ContactName,InvoiceNumber,InvoiceDate,DueDate,Total,InvoiceAmountDue,Currency,Status\nAcme,INV-9,01/15/2026,02/14/2026,10.00,10.00,USD,AUTHORISED\n";
    const { invoices } = await readLedgerCsv(utf8(text), { dateFormat: "mdy" });
    expect(invoices[0]).toMatchObject({ issueDate: "2026-01-15", dueDate: "2026-02-14", status: "open" });
  });
});

describe("Xero Aged Receivables Detail", () => {
  it("xero-aged-receivables.csv: title lines, contact rows, totals; credit notes skipped", async () => {
    const { debtors, invoices, summary } = await readPreset("xero-aged-receivables.csv", { currency: "GBP" });
    expect(debtors).toEqual([
      { externalId: "ABC Furniture", name: "ABC Furniture", ...noContact },
      { externalId: "Boom FM, Inc.", name: "Boom FM, Inc.", ...noContact },
    ]);
    expect(invoices).toEqual([
      invoice("INV-0001", {
        debtorExternalId: "ABC Furniture",
        currency: "GBP",
        totalMinor: 100000,
        balanceMinor: 100000,
        issueDate: "2026-01-15",
        dueDate: "2026-02-14",
        status: "open",
        reference: "PO-4471",
      }),
      invoice("INV-0003", {
        debtorExternalId: "Boom FM, Inc.",
        currency: "GBP",
        totalMinor: 250000,
        balanceMinor: 250000,
        issueDate: "2026-02-10",
        dueDate: "2026-03-12",
        status: "open",
        reference: "Spring campaign",
      }),
      invoice("INV-0006", {
        debtorExternalId: "Boom FM, Inc.",
        currency: "GBP",
        totalMinor: 125075,
        balanceMinor: 125075,
        issueDate: "2026-02-28",
        dueDate: "2026-03-30",
        status: "open",
      }),
    ]);
    expect(summary).toMatchObject({ preset: "xero-aged-receivables", rows: 4, skippedRows: 1 });
  });

  it("asks for the currency when the report names none", async () => {
    expect(await presetProblems("xero-aged-receivables.csv")).toEqual([
      {
        line: 6,
        column: "currency",
        message: 'the xero-aged-receivables file has no currency column: set the currency setting (e.g. "GBP")',
      },
    ]);
  });
});

describe("QuickBooks Online reports", () => {
  it("qbo-invoice-list.csv: title rows, US dates and amounts, totals and footer ignored", async () => {
    const { debtors, invoices, summary } = await readPreset("qbo-invoice-list.csv", { currency: "USD" });
    expect(debtors).toEqual([
      { externalId: "Amy's Bird Sanctuary", name: "Amy's Bird Sanctuary", ...noContact },
      { externalId: "Cool Cars, Inc.", name: "Cool Cars, Inc.", ...noContact },
      { externalId: "Sushi by Katsuyuki", name: "Sushi by Katsuyuki", ...noContact },
    ]);
    const usd = { currency: "USD" } as const;
    expect(invoices).toEqual([
      invoice("1037", {
        debtorExternalId: "Amy's Bird Sanctuary",
        ...usd,
        totalMinor: 125000,
        balanceMinor: 125000,
        issueDate: "2026-01-15",
        dueDate: "2026-02-14",
        status: "open",
      }),
      invoice("1038", {
        debtorExternalId: "Cool Cars, Inc.",
        ...usd,
        totalMinor: 69400,
        balanceMinor: 0,
        issueDate: "2026-01-20",
        dueDate: "2026-02-19",
        status: "paid",
      }),
      invoice("1039", {
        debtorExternalId: "Sushi by Katsuyuki",
        ...usd,
        totalMinor: 240050,
        balanceMinor: 120050,
        issueDate: "2026-02-03",
        dueDate: "2026-03-05",
        status: "open",
      }),
      invoice("1041", {
        debtorExternalId: "Amy's Bird Sanctuary",
        ...usd,
        totalMinor: 9500,
        balanceMinor: 9500,
        issueDate: "2026-03-02",
        dueDate: "2026-04-01",
        status: "open",
      }),
    ]);
    expect(summary).toMatchObject({ preset: "qbo-invoice-list", rows: 4, skippedRows: 0, decimalSeparator: "." });
  });

  it("qbo-ar-aging.csv: ageing groups, payments and credit memos skipped", async () => {
    const { debtors, invoices, summary } = await readPreset("qbo-ar-aging.csv", { currency: "USD" });
    expect(debtors.map((debtor) => debtor.externalId)).toEqual(["Amy's Bird Sanctuary", "Sushi by Katsuyuki", "Cool Cars, Inc."]);
    const usd = { currency: "USD" } as const;
    expect(invoices).toEqual([
      invoice("1045", {
        debtorExternalId: "Amy's Bird Sanctuary",
        ...usd,
        totalMinor: 125000,
        balanceMinor: 125000,
        issueDate: "2026-03-20",
        dueDate: "2026-04-19",
        status: "open",
      }),
      invoice("1039", {
        debtorExternalId: "Sushi by Katsuyuki",
        ...usd,
        totalMinor: 240050,
        balanceMinor: 120050,
        issueDate: "2026-02-03",
        dueDate: "2026-03-05",
        status: "open",
      }),
      invoice("1037", {
        debtorExternalId: "Cool Cars, Inc.",
        ...usd,
        totalMinor: 310000,
        balanceMinor: 310000,
        issueDate: "2026-01-15",
        dueDate: "2026-02-14",
        status: "open",
      }),
    ]);
    expect(summary).toMatchObject({ preset: "qbo-ar-aging", rows: 5, skippedRows: 2 });
  });

  it("reads day/month/year when dateFormat says so, groups by customer rows, and reports bad cells by column", async () => {
    const report = [
      "Open Invoices",
      ",Date,Transaction Type,Num,Due Date,Open Balance",
      "Jane Smith,,,,,",
      ",15/01/2026,Invoice,71,14/02/2026,80.00",
      ",16/01/2026,Invoice,72,31/02/2026,abc",
      "Total for Jane Smith,,,,,80.00",
    ].join("\n");
    expect(await presetProblems(utf8(report), { currency: "GBP", dateFormat: "dmy" })).toEqual([
      { line: 5, column: "Open Balance", message: '"abc" is not an amount' },
      { line: 5, column: "Due Date", message: '"31/02/2026" is not a real date' },
    ]);
    const { invoices, summary } = await readLedgerCsv(utf8(report.split("\n").slice(0, 4).join("\n")), {
      currency: "GBP",
      dateFormat: "dmy",
    });
    expect(summary.preset).toBe("qbo-invoice-list");
    expect(invoices).toEqual([
      invoice("71", {
        debtorExternalId: "Jane Smith",
        currency: "GBP",
        totalMinor: 8000,
        balanceMinor: 8000,
        issueDate: "2026-01-15",
        dueDate: "2026-02-14",
        status: "open",
      }),
    ]);
  });
});
