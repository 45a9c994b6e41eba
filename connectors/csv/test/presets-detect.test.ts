/** Which preset reads a file: detection from the header and title lines, or the preset setting. */
import { describe, expect, it } from "vitest";
import { readLedgerCsv } from "../src/index";
import { presetProblems, readPreset, utf8 } from "./presets-helpers";

const LEDGER =
  "debtor_id,debtor_name,debtor_email,invoice_number,currency,amount,issue_date,due_date\nC1,One,,F-1,EUR,10.00,2026-01-01,2026-01-31\n";
const QBO_UNTITLED = ",Date,Num,Customer,Due Date,Amount,Open Balance\n,01/15/2026,1037,Amy,02/14/2026,10.00,10.00\n";

describe("preset detection", () => {
  it.each([
    ["fec-clients.txt", "fec", {}],
    ["fec-iso-8859-15.txt", "fec", {}],
    ["xero-invoices.csv", "xero-invoices", {}],
    ["xero-aged-receivables.csv", "xero-aged-receivables", { currency: "GBP" }],
    ["qbo-invoice-list.csv", "qbo-invoice-list", { currency: "USD" }],
    ["qbo-ar-aging.csv", "qbo-ar-aging", { currency: "USD" }],
  ] as const)("%s is read as %s", async (path, preset, options) => {
    expect((await readPreset(path, options)).summary.preset).toBe(preset);
  });

  it("keeps the ledger format for its documented header", async () => {
    expect((await readLedgerCsv(utf8(LEDGER))).summary.preset).toBe("ledger");
  });

  it("asks to choose when the header fits several presets", async () => {
    expect(await presetProblems(utf8(QBO_UNTITLED), { currency: "USD" })).toEqual([
      {
        line: 1,
        message:
          "the header fits several presets (qbo-invoice-list, qbo-ar-aging); set the preset setting to the one this file is",
      },
    ]);
    const chosen = await readLedgerCsv(utf8(QBO_UNTITLED), { currency: "USD", preset: "qbo-ar-aging" });
    expect(chosen.summary.preset).toBe("qbo-ar-aging");
    expect(chosen.invoices).toHaveLength(1);
  });

  it("reads a file as the preset set, and says what that preset is missing", async () => {
    expect((await readPreset("fec-clients.txt", { preset: "fec" })).invoices).toHaveLength(7);
    const issues = await presetProblems(utf8(LEDGER), { preset: "xero-invoices" });
    expect(issues.map((issue) => issue.column)).toEqual([
      "ContactName",
      "InvoiceNumber",
      "InvoiceDate",
      "DueDate",
      "Total",
      "InvoiceAmountDue",
    ]);
    expect(issues[0]?.message).toMatch(/^missing column ContactName for the xero-invoices preset; the header has: debtor_id, /);
    const ledger = await presetProblems("fec-clients.txt", { preset: "ledger" });
    expect(ledger[0]).toMatchObject({ line: 1, column: "debtor_id" });
  });

  it("refuses an unknown preset", async () => {
    const issues = await presetProblems(utf8(LEDGER), { preset: "sage" as "fec" });
    expect(issues.map((issue) => issue.path)).toEqual(["preset"]);
  });

  it("still reports a bad ledger header on its first line", async () => {
    expect(await presetProblems(utf8("hello\n"))).toEqual([
      expect.objectContaining({
        line: 1,
        column: "debtor_id",
        message: "missing required column debtor_id; the header has: hello",
      }),
      ...Array.from({ length: 7 }, () => expect.objectContaining({ line: 1 })),
    ]);
  });
});
