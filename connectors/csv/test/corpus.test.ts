/** The committed corpus of good and broken files (test/corpus/csv), with the exact outcome of each. */
import { readFile } from "node:fs/promises";
import { debtorSchema, type Issue, invoiceSchema, isRelanceError } from "@relance/core";
import { describe, expect, it } from "vitest";
import { type ParseLedgerCsvOptions, readLedgerCsv } from "../src/index";

const corpus = new URL("../../../test/corpus/csv/", import.meta.url);

async function read(path: string, options: ParseLedgerCsvOptions = {}) {
  const bytes = await readFile(new URL(path, corpus));
  return readLedgerCsv(bytes, { fileName: path.split("/").pop(), ...options });
}

async function problems(
  path: string,
  options: ParseLedgerCsvOptions = {},
): Promise<{ code: string; message: string; issues: readonly Issue[] }> {
  try {
    await read(path, options);
  } catch (error) {
    if (!isRelanceError(error)) throw error;
    return { code: error.code, message: error.message, issues: error.issues };
  }
  throw new Error(`${path} was accepted`);
}

const EMPTY_DEBTOR = { emails: [], tags: [] };

describe("good files", () => {
  it("utf8.csv: every column, quoted commas, a multi-line address, several currencies", async () => {
    const { debtors, invoices, summary } = await read("good/utf8.csv");
    expect(debtors).toEqual([
      {
        externalId: "C001",
        name: "Dupont & Fils, SARL",
        emails: ["compta@dupont.fr", "direction@dupont.fr"],
        phone: "+33 1 23 45 67 89",
        language: "fr",
        kind: "b2b",
        address: { lines: ["12 rue de la Paix", "Bâtiment B\n2e étage"], postalCode: "75002", city: "Paris", country: "FR" },
        tags: ["vip", "repeat_late"],
      },
      {
        externalId: "C002",
        name: "Jürgen Müller GmbH",
        emails: ["buchhaltung@mueller.de"],
        language: "de",
        kind: "b2b",
        address: { lines: ["Hauptstraße 5"], postalCode: "8001", city: "Zürich", country: "CH" },
        tags: [],
      },
      { externalId: "C003", name: "佐藤商事", emails: ["keiri@sato.co.jp"], language: "ja", kind: "b2b", tags: [] },
      { externalId: "C004", name: "Ana Lima", kind: "b2c", ...EMPTY_DEBTOR },
    ]);
    const invoice = (number: string, rest: object) => ({ externalId: number, number, ...rest });
    expect(invoices).toEqual([
      invoice("F-2026-001", {
        debtorExternalId: "C001",
        currency: "EUR",
        totalMinor: 125000,
        balanceMinor: 125000,
        issueDate: "2026-01-15",
        dueDate: "2026-02-14",
        status: "open",
        reference: "PO-778",
      }),
      invoice("F-2026-002", {
        debtorExternalId: "C001",
        currency: "EUR",
        totalMinor: 9990,
        balanceMinor: 0,
        issueDate: "2026-01-20",
        dueDate: "2026-02-19",
        status: "paid",
      }),
      invoice("INV-77", {
        debtorExternalId: "C002",
        currency: "CHF",
        totalMinor: 1500000,
        balanceMinor: 750050,
        issueDate: "2026-02-01",
        dueDate: "2026-03-03",
        status: "open",
      }),
      invoice("JP-0001", {
        debtorExternalId: "C003",
        currency: "JPY",
        totalMinor: 120000,
        balanceMinor: 120000,
        issueDate: "2026-02-10",
        dueDate: "2026-03-10",
        status: "open",
      }),
      invoice("V-1", {
        debtorExternalId: "C004",
        currency: "EUR",
        totalMinor: 4000,
        balanceMinor: 0,
        issueDate: "2026-02-11",
        dueDate: "2026-02-11",
        status: "void",
      }),
    ]);
    expect(summary).toEqual({
      preset: "ledger",
      rows: 5,
      debtors: 4,
      invoices: 5,
      duplicateRows: 0,
      skippedRows: 0,
      encoding: "utf-8",
      delimiter: ",",
      decimalSeparator: ".",
      ignoredColumns: [],
    });
  });

  it("utf8-bom.csv: the BOM is dropped, CRLF lines", async () => {
    const { debtors, invoices, summary } = await read("good/utf8-bom.csv");
    expect(debtors).toEqual([
      { externalId: "C1", name: "Café de l'Époque", emails: ["contact@epoque.fr"], tags: [] },
      { externalId: "C2", name: "Œuvres Ça Va", ...EMPTY_DEBTOR },
    ]);
    expect(invoices.map((invoice) => [invoice.number, invoice.totalMinor])).toEqual([
      ["A-1", 1050],
      ["A-2", 2000],
    ]);
    expect(summary.encoding).toBe("utf-8");
  });

  it("windows-1252.csv: Windows-1252 accents, `;`, decimal comma, a € prefix", async () => {
    const { debtors, invoices, summary } = await read("good/windows-1252.csv");
    expect(debtors).toEqual([
      { externalId: "SG", name: "Société Générale", emails: ["creances@exemple.fr"], tags: [] },
      { externalId: "ECO", name: "Économat Côté Cœur", ...EMPTY_DEBTOR },
    ]);
    expect(invoices.map((invoice) => [invoice.number, invoice.totalMinor, invoice.issueDate, invoice.dueDate])).toEqual([
      ["FAC-0001", 123456, "2026-01-15", "2026-02-14"],
      ["FAC-0002", 9900, "2026-01-20", "2026-02-19"],
      ["FAC-0003", 50, "2026-01-21", "2026-02-20"],
    ]);
    expect(summary).toMatchObject({ encoding: "windows-1252", delimiter: ";", decimalSeparator: "," });
  });

  it("semicolon-decimal-comma.csv: narrow and ordinary no-break spaces, dots and apostrophes as thousands separators", async () => {
    const { debtors, invoices, summary } = await read("good/semicolon-decimal-comma.csv");
    expect(debtors.map((debtor) => debtor.name)).toEqual([
      "Transports Martin",
      "Garage du Centre; Lyon",
      "Atelier Suisse",
      "Kuwait Trading",
    ]);
    expect(
      invoices.map((invoice) => [invoice.number, invoice.currency, invoice.totalMinor, invoice.balanceMinor, invoice.status]),
    ).toEqual([
      ["F-1", "EUR", 123456789, 100000, "open"],
      ["F-2", "EUR", 250000, 0, "paid"],
      ["F-3", "EUR", 123450, 123450, "open"],
      ["F-4", "CHF", 125000, 125000, "open"],
      // "1,234" in a decimal-comma file is 1.234 dinars.
      ["F-5", "KWD", 1234, 1234, "open"],
    ]);
    expect(summary).toMatchObject({ delimiter: ";", decimalSeparator: "," });
  });

  it("tab-separated.csv: tabs, a quoted tab, commas inside cells, a $ prefix", async () => {
    const { debtors, invoices, summary } = await read("good/tab-separated.csv");
    expect(debtors).toEqual([
      { externalId: "T1", name: "Smith, Jones & Co", emails: ["ar@smithjones.co.uk"], tags: [] },
      { externalId: "T2", name: "Quoted\tTab Ltd", ...EMPTY_DEBTOR },
    ]);
    expect(invoices.map((invoice) => [invoice.number, invoice.currency, invoice.totalMinor, invoice.reference])).toEqual([
      ["SJ-100", "GBP", 125000, "PO 12, line 3"],
      ["SJ-101", "USD", 300000, undefined],
    ]);
    expect(summary).toMatchObject({ delimiter: "\t", decimalSeparator: "." });
  });

  it("dates-dmy.csv: day/month/year with slashes, dots and dashes, and ISO", async () => {
    const { invoices } = await read("good/dates-dmy.csv");
    expect(invoices.map((invoice) => [invoice.issueDate, invoice.dueDate])).toEqual([
      ["2026-02-01", "2026-02-28"],
      ["2026-02-01", "2028-02-29"],
      ["2026-03-15", "2026-04-15"],
      ["2026-03-15", "2026-12-31"],
    ]);
  });

  it("us-mdy.csv: month/day/year with dateFormat mdy", async () => {
    const { invoices } = await read("good/us-mdy.csv", { dateFormat: "mdy" });
    expect(invoices.map((invoice) => [invoice.totalMinor, invoice.issueDate, invoice.dueDate])).toEqual([
      [123456, "2026-03-15", "2026-04-14"],
      [99999, "2026-12-31", "2027-01-30"],
    ]);
  });

  it("us-mdy.csv is refused as day/month/year", async () => {
    const { issues } = await problems("good/us-mdy.csv");
    expect(issues.map((issue) => [issue.line, issue.column])).toEqual([
      [2, "issue_date"],
      [2, "due_date"],
      [3, "issue_date"],
      [3, "due_date"],
    ]);
  });

  it("mapped-headers.csv: a mapping plus French aliases; unknown columns are ignored", async () => {
    const mapping = { "Réf. client": "debtor_id", "N° facture": "invoice_number", "total ttc": "amount" } as const;
    const { debtors, invoices, summary } = await read("good/mapped-headers.csv", { mapping });
    expect(debtors).toEqual([{ externalId: "CL-9", name: "Boulangerie Paul", emails: ["paul@boulangerie.fr"], tags: [] }]);
    expect(invoices).toEqual([
      {
        externalId: "2026-0042",
        number: "2026-0042",
        debtorExternalId: "CL-9",
        currency: "EUR",
        totalMinor: 48000,
        balanceMinor: 12000,
        issueDate: "2026-01-05",
        dueDate: "2026-02-04",
        status: "open",
      },
      {
        externalId: "2026-0043",
        number: "2026-0043",
        debtorExternalId: "CL-9",
        currency: "EUR",
        totalMinor: 9600,
        balanceMinor: 0,
        issueDate: "2026-01-06",
        dueDate: "2026-02-05",
        status: "paid",
      },
    ]);
    expect(summary.ignoredColumns).toEqual(["Commentaire"]);
  });

  it("mapped-headers.csv without its mapping names what is missing, and where", async () => {
    const { issues } = await problems("good/mapped-headers.csv");
    const header =
      "Réf. client, Raison sociale, E-mail, N° facture, Devise, Total TTC, Reste à payer, Date facture, Échéance, Commentaire";
    expect(issues).toEqual([
      { line: 1, column: "debtor_id", message: `missing required column debtor_id; the header has: ${header}` },
      { line: 1, column: "invoice_number", message: `missing required column invoice_number; the header has: ${header}` },
      { line: 1, column: "amount", message: `missing required column amount; the header has: ${header}` },
    ]);
  });

  it("header-only.csv is an empty ledger, not an error", async () => {
    const { debtors, invoices, summary } = await read("good/header-only.csv");
    expect([debtors, invoices, summary.rows]).toEqual([[], [], 0]);
  });

  it.each([
    "good/utf8.csv",
    "good/utf8-bom.csv",
    "good/windows-1252.csv",
    "good/semicolon-decimal-comma.csv",
    "good/tab-separated.csv",
    "good/dates-dmy.csv",
  ])("%s: every record satisfies the core schemas", async (path) => {
    const { debtors, invoices } = await read(path);
    for (const debtor of debtors) expect(debtorSchema.parse(debtor)).toEqual(debtor);
    for (const invoice of invoices) expect(invoiceSchema.parse(invoice)).toEqual(invoice);
  });
});

describe("bad files", () => {
  it("utf16le.csv", async () => {
    const message = "the file looks like UTF-16 text (it starts with a UTF-16 byte order mark); save it as CSV UTF-8";
    expect(await problems("bad/utf16le.csv")).toEqual({
      code: "validation_failed",
      message: "utf16le.csv looks like UTF-16 text (it starts with a UTF-16 byte order mark); save it as CSV UTF-8",
      issues: [{ message }],
    });
  });

  it("empty.csv", async () => {
    expect(await problems("bad/empty.csv")).toEqual({
      code: "validation_failed",
      message: "empty.csv has 1 problem",
      issues: [{ line: 1, message: "the file is empty; the first line must be the header (debtor_id, debtor_name, …)" }],
    });
  });

  it("missing-column.csv", async () => {
    expect(await problems("bad/missing-column.csv")).toEqual({
      code: "validation_failed",
      message: "missing-column.csv has 1 problem",
      issues: [
        {
          line: 1,
          column: "amount",
          message:
            "missing required column amount; the header has: debtor_id, debtor_name, debtor_email, invoice_number, currency, issue_date, due_date",
        },
      ],
    });
  });

  it("non-numeric-amount.csv", async () => {
    expect(await problems("bad/non-numeric-amount.csv")).toEqual({
      code: "validation_failed",
      message: "non-numeric-amount.csv has 3 problems",
      issues: [
        { line: 3, column: "amount", message: '"douze" is not an amount' },
        { line: 4, column: "amount", message: '"1e5" is not an amount' },
        { line: 5, column: "amount", message: "is empty" },
      ],
    });
  });

  it("negative-amount.csv", async () => {
    const negative = (text: string) => `"${text}" is negative; amounts must be positive (record a credit note instead)`;
    expect((await problems("bad/negative-amount.csv")).issues).toEqual([
      { line: 2, column: "amount", message: negative("-12,50") },
      { line: 3, column: "amount", message: negative("(40,00)") },
      { line: 4, column: "amount_due", message: negative("-5,00") },
    ]);
  });

  it("unknown-currency.csv (lower-case codes are accepted)", async () => {
    expect((await problems("bad/unknown-currency.csv")).issues).toEqual([
      { line: 2, column: "currency", message: '"EURO" is not an ISO 4217 currency code such as EUR' },
      { line: 3, column: "currency", message: "is empty" },
    ]);
  });

  it("impossible-date.csv", async () => {
    const hint = '(dates are read as day/month/year; set dateFormat "mdy" if the file uses month/day/year)';
    expect((await problems("bad/impossible-date.csv")).issues).toEqual([
      { line: 2, column: "issue_date", message: '"31/02/2026" is not a real date' },
      { line: 3, column: "issue_date", message: '"2026-02-29" is not a real date' },
      { line: 4, column: "issue_date", message: `"03/15/2026" has no month 15 ${hint}` },
      { line: 4, column: "due_date", message: `"04/15/2026" has no month 15 ${hint}` },
      { line: 5, column: "issue_date", message: '"01/03/26" has a two-digit year; write the year in full' },
      { line: 6, column: "due_date", message: "2026-03-01 is before the issue date 2026-03-10" },
    ]);
  });

  it("duplicate-invoice.csv: an exact repeat is tolerated, a different amount or date is not", async () => {
    expect((await problems("bad/duplicate-invoice.csv")).issues).toEqual([
      { line: 5, column: "amount", message: "duplicate invoice number INV-1 with a different amount (first on line 2)" },
      { line: 6, column: "due_date", message: "duplicate invoice number INV-2 with a different due_date (first on line 3)" },
    ]);
  });

  it("jpy-decimals.csv", async () => {
    expect((await problems("bad/jpy-decimals.csv")).issues).toEqual([
      { line: 2, column: "amount", message: '"1200.5" has decimals but JPY has no minor unit' },
      { line: 3, column: "amount", message: '"12.345" has 3 decimals but EUR has 2' },
    ]);
  });

  it("inconsistent-debtor.csv: later rows of a debtor must repeat its first row", async () => {
    expect((await problems("bad/inconsistent-debtor.csv")).issues).toEqual([
      { line: 3, column: "city", message: "debtor C1 has a different city than on line 2" },
      { line: 4, column: "debtor_name", message: "debtor C1 has a different debtor_name than on line 2" },
    ]);
  });

  it("several-problems.csv: line numbers count the lines inside quoted cells", async () => {
    const error = await problems("bad/several-problems.csv");
    expect(error.message).toBe("several-problems.csv has 4 problems");
    expect(error.issues).toEqual([
      { line: 2, column: "debtor_email", message: '"not-an-email" is not an email address' },
      { line: 5, column: "debtor_kind", message: '"pro" is not b2b or b2c' },
      { line: 5, column: "country", message: '"France" is not a two-letter country code such as FR' },
      { line: 6, message: "has 7 fields but the header has 11; check the delimiter and the quotes" },
    ]);
  });
});
