/** The FEC preset: open receivables from a French general ledger (test/corpus/csv/presets/fec-*). */
import { debtorSchema, type Invoice, invoiceSchema } from "@relance/core";
import { describe, expect, it } from "vitest";
import { readLedgerCsv } from "../src/index";
import { invoice, noContact, presetProblems, readPreset, utf8 } from "./presets-helpers";

const eur = { currency: "EUR" } as const;

describe("FEC", () => {
  it("fec-clients.txt: pieces grouped by customer, lettered lines paid, credit note and unlettered payment applied oldest first", async () => {
    const { debtors, invoices, summary } = await readPreset("fec-clients.txt");
    expect(debtors).toEqual([
      { externalId: "C001", name: "Dupont & Fils SARL", ...noContact },
      { externalId: "C002", name: "Müller GmbH", ...noContact },
      { externalId: "C003", name: "Boulangerie Lœuvre", ...noContact },
      { externalId: "C004", name: "Acme Inc.", ...noContact },
    ]);
    expect(invoices).toEqual([
      // The opening entries share one PieceRef: each customer's piece gets the account in its id.
      invoice("AN2026", {
        externalId: "AN2026/C001",
        debtorExternalId: "C001",
        ...eur,
        totalMinor: 150000,
        balanceMinor: 150000,
        issueDate: "2026-01-01",
        dueDate: "2026-01-31",
        status: "open",
      }),
      // The unlettered 500,00 payment of C002 goes to its oldest piece.
      invoice("AN2026", {
        externalId: "AN2026/C002",
        debtorExternalId: "C002",
        ...eur,
        totalMinor: 80000,
        balanceMinor: 30000,
        issueDate: "2026-01-01",
        dueDate: "2026-01-31",
        status: "open",
      }),
      invoice("F2026-001", {
        debtorExternalId: "C001",
        ...eur,
        totalMinor: 120000,
        balanceMinor: 0,
        issueDate: "2026-01-15",
        dueDate: "2026-02-14",
        status: "paid",
      }),
      // Two instalments, the first lettered: the second is still owed.
      invoice("F2026-002", {
        debtorExternalId: "C001",
        ...eur,
        totalMinor: 120000,
        balanceMinor: 60000,
        issueDate: "2026-01-20",
        dueDate: "2026-02-19",
        status: "open",
      }),
      invoice("F2026-003", {
        debtorExternalId: "C002",
        ...eur,
        totalMinor: 240000,
        balanceMinor: 240000,
        issueDate: "2026-02-05",
        dueDate: "2026-03-07",
        status: "open",
      }),
      // Credit note AV2026-001 (120,00, not lettered) reduces F2026-004.
      invoice("F2026-004", {
        debtorExternalId: "C003",
        ...eur,
        totalMinor: 36000,
        balanceMinor: 24000,
        issueDate: "2026-02-10",
        dueDate: "2026-03-12",
        status: "open",
      }),
      // Idevise/Montantdevise: the customer owes dollars.
      invoice("F2026-005", {
        debtorExternalId: "C004",
        currency: "USD",
        totalMinor: 100000,
        balanceMinor: 100000,
        issueDate: "2026-03-05",
        dueDate: "2026-04-04",
        status: "open",
      }),
    ]);
    for (const record of debtors) expect(debtorSchema.parse(record)).toEqual(record);
    for (const record of invoices) expect(invoiceSchema.parse(record)).toEqual(record);
    expect(summary).toEqual({
      preset: "fec",
      rows: 27,
      debtors: 4,
      invoices: 7,
      duplicateRows: 0,
      skippedRows: 15,
      encoding: "utf-8",
      delimiter: "|",
      decimalSeparator: ",",
      ignoredColumns: [],
    });
  });

  it("uses the configured payment term and customer accounts", async () => {
    const { invoices } = await readPreset("fec-clients.txt", { defaultPaymentTermDays: 45, customerAccounts: ["4110"] });
    expect(invoices.map((record) => [record.number, record.dueDate])).toEqual([
      ["AN2026", "2026-02-15"],
      ["AN2026", "2026-02-15"],
      ["F2026-001", "2026-03-01"],
      ["F2026-002", "2026-03-06"],
      ["F2026-003", "2026-03-22"],
      ["F2026-004", "2026-03-27"],
      ["F2026-005", "2026-04-19"],
    ]);
    const none = await readPreset("fec-clients.txt", { customerAccounts: ["416"] });
    expect([none.invoices, none.summary.skippedRows]).toEqual([[], 27]);
  });

  it("is idempotent, and a re-import after the payment is lettered closes the piece", async () => {
    const store = new Map<string, Invoice>();
    const apply = (records: readonly Invoice[]) => {
      let changed = 0;
      for (const record of records) {
        if (JSON.stringify(store.get(record.externalId)) !== JSON.stringify(record)) changed++;
        store.set(record.externalId, record);
      }
      return changed;
    };
    expect(apply((await readPreset("fec-clients.txt")).invoices)).toBe(7);
    expect(apply((await readPreset("fec-clients.txt")).invoices)).toBe(0);
    expect(apply((await readPreset("fec-clients-after-payment.txt")).invoices)).toBe(1);
    expect(store.get("F2026-002")).toMatchObject({ totalMinor: 120000, balanceMinor: 0, status: "paid" });
    expect(apply((await readPreset("fec-clients-after-payment.txt")).invoices)).toBe(0);
  });

  it("fec-iso-8859-15.txt: tab-separated, ISO-8859-15 (œ, Š, €), zero-padded amounts, PieceDate empty", async () => {
    const { debtors, invoices, summary } = await readPreset("fec-iso-8859-15.txt");
    expect(debtors).toEqual([
      { externalId: "CLI-COEUR", name: "Société Cœur de Bœuf", ...noContact },
      { externalId: "CLI-SKODA", name: "Škoda Négoce", ...noContact },
    ]);
    expect(invoices).toEqual([
      invoice("FA-0001", {
        debtorExternalId: "CLI-COEUR",
        ...eur,
        totalMinor: 123450,
        balanceMinor: 123450,
        issueDate: "2026-01-12",
        dueDate: "2026-02-11",
        status: "open",
      }),
      invoice("FA-0002", {
        debtorExternalId: "CLI-SKODA",
        ...eur,
        totalMinor: 25000,
        balanceMinor: 25000,
        issueDate: "2026-01-18",
        dueDate: "2026-02-17",
        status: "open",
      }),
    ]);
    expect(summary).toMatchObject({ preset: "fec", encoding: "iso-8859-15", delimiter: "\t", skippedRows: 3 });
  });

  it("reads the Montant/Sens variant, signed amounts and a customer account without auxiliary account", async () => {
    const text = [
      "JournalCode|JournalLib|EcritureNum|EcritureDate|CompteNum|CompteLib|CompAuxNum|CompAuxLib|PieceRef|PieceDate|EcritureLib|Montant|Sens|EcritureLet|DateLet|ValidDate|Montantdevise|Idevise",
      "VE|Ventes|1|20260301|411DURAND|Durand SA|||F-9|20260301|Facture|1000.00|D|||20260301||",
      "VE|Ventes|2|20260305|411DURAND|Durand SA|||F-9|20260305|Avoir partiel|250.00|C|||20260305||",
    ].join("\n");
    const result = await readLedgerCsv(utf8(text));
    expect(result.debtors).toEqual([{ externalId: "411DURAND", name: "Durand SA", ...noContact }]);
    expect(result.invoices).toEqual([
      invoice("F-9", {
        debtorExternalId: "411DURAND",
        ...eur,
        totalMinor: 100000,
        balanceMinor: 75000,
        issueDate: "2026-03-01",
        dueDate: "2026-03-31",
        status: "open",
      }),
    ]);
    expect(result.summary).toMatchObject({ preset: "fec", decimalSeparator: "." });
  });

  describe("bad files", () => {
    it("fec-17-columns.txt: names the missing column", async () => {
      const [issue, ...rest] = await presetProblems("bad/fec-17-columns.txt");
      expect(rest).toEqual([]);
      expect(issue).toMatchObject({ line: 1, column: "Idevise" });
      expect(issue?.message).toMatch(/^the FEC header has no Idevise column; a FEC has the 18 columns of article A47 A-1/);
    });

    it("fec-bad-date.txt", async () => {
      expect(await presetProblems("bad/fec-bad-date.txt")).toEqual([
        { line: 5, column: "PieceDate", message: '"20261345" is not a date; expected YYYYMMDD' },
      ]);
    });

    it("fec-non-numeric-amount.txt", async () => {
      expect(await presetProblems("bad/fec-non-numeric-amount.txt")).toEqual([
        { line: 3, column: "Debit", message: '"8OO,00" is not an amount' },
      ]);
    });

    it("lists every problem of a customer line, and rows of the wrong width", async () => {
      const text = [
        "JournalCode|JournalLib|EcritureNum|EcritureDate|CompteNum|CompteLib|CompAuxNum|CompAuxLib|PieceRef|PieceDate|EcritureLib|Debit|Credit|EcritureLet|DateLet|ValidDate|Montantdevise|Idevise",
        "VE|Ventes|1||411000|Clients|C1|One||2026-02-30|Facture|abc|0,00|||20260301|10,00|XXX",
        "VE|Ventes|1|20260301|706000|Ventes|||F-1|20260301|Facture",
      ].join("\n");
      expect(await presetProblems(utf8(text))).toEqual([
        { line: 2, column: "PieceRef", message: "is empty: a customer-account line needs its document reference" },
        { line: 2, column: "EcritureDate", message: "is empty" },
        { line: 2, column: "PieceDate", message: '"2026-02-30" is not a date; expected YYYYMMDD' },
        { line: 2, column: "Debit", message: '"abc" is not an amount' },
        { line: 2, column: "Idevise", message: '"XXX" is not an ISO 4217 currency code such as USD' },
        { line: 3, message: "has 11 fields but the header has 18; check the delimiter (| or tab)" },
      ]);
    });
  });
});
