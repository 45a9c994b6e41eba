/** parseLedgerCsv as a stream: batches, chunk boundaries, encodings, delimiters, limits and row rules. */
import { readFile } from "node:fs/promises";
import { Readable } from "node:stream";
import { type Issue, isRelanceError, RelanceError } from "@relance/core";
import iconv from "iconv-lite";
import { describe, expect, it } from "vitest";
import { type LedgerCsvInput, type ParseLedgerCsvOptions, parseLedgerCsv, readLedgerCsv } from "../src/index";

const HEADER = "debtor_id,debtor_name,debtor_email,invoice_number,currency,amount,issue_date,due_date";
const corpus = new URL("../../../test/corpus/csv/", import.meta.url);

const utf8 = (text: string) => new TextEncoder().encode(text);

/** Rows "C{i % debtors},Name {…},,INV-{i},EUR,{i}.50,2026-01-01,2026-02-01". */
function ledger(
  rows: number,
  debtors = 50,
  row = (i: number) => `C${i % debtors},Name ${i % debtors},,INV-${i},EUR,${i}.50,2026-01-01,2026-02-01`,
) {
  const lines = [HEADER];
  for (let i = 1; i <= rows; i++) lines.push(row(i));
  return `${lines.join("\n")}\n`;
}

/** The same bytes in pieces of the given sizes (cycled), each a separate buffer. */
async function* pieces(bytes: Uint8Array, sizes: readonly number[]): AsyncGenerator<Uint8Array> {
  let at = 0;
  for (let i = 0; at < bytes.byteLength; i++) {
    const size = sizes[i % sizes.length] as number;
    yield bytes.slice(at, at + size);
    at += size;
  }
}

async function failure(input: LedgerCsvInput, options: ParseLedgerCsvOptions = {}): Promise<RelanceError> {
  try {
    await readLedgerCsv(input, options);
  } catch (error) {
    if (isRelanceError(error)) return error;
    throw error;
  }
  throw new Error("the input was accepted");
}

async function issues(text: string | Uint8Array, options: ParseLedgerCsvOptions = {}): Promise<readonly Issue[]> {
  return (await failure(typeof text === "string" ? utf8(text) : text, options)).issues;
}

describe("batches", () => {
  it("yields batches of batchSize invoices, each debtor once, never after its first invoice", async () => {
    const batches = [];
    for await (const batch of parseLedgerCsv(utf8(ledger(2500)), { batchSize: 1000 })) batches.push(batch);
    expect(batches.map((batch) => batch.invoices.length)).toEqual([1000, 1000, 500]);
    const seen = new Set<string>();
    for (const batch of batches) {
      for (const debtor of batch.debtors) {
        expect(seen.has(debtor.externalId)).toBe(false);
        seen.add(debtor.externalId);
      }
      for (const invoice of batch.invoices) expect(seen.has(invoice.debtorExternalId)).toBe(true);
    }
    expect(seen.size).toBe(50);
    expect(batches.flatMap((batch) => batch.invoices.map((invoice) => invoice.number))).toEqual(
      Array.from({ length: 2500 }, (_, i) => `INV-${i + 1}`),
    );
  });

  it("returns a summary as the generator's value", async () => {
    const batches = parseLedgerCsv(utf8(ledger(30, 7)));
    let next = await batches.next();
    while (!next.done) next = await batches.next();
    expect(next.value).toEqual({
      preset: "ledger",
      rows: 30,
      debtors: 7,
      invoices: 30,
      duplicateRows: 0,
      skippedRows: 0,
      encoding: "utf-8",
      delimiter: ",",
      decimalSeparator: ".",
      ignoredColumns: [],
    });
  });

  it("hands over no batch once a row is bad, checks the rest, then throws with every problem", async () => {
    const text = ledger(
      3000,
      50,
      (i) =>
        `C${i % 50},Name ${i % 50},,INV-${i},EUR,${i === 2500 ? "abc" : `${i}.50`},2026-01-01,${i === 2900 ? "2026-02-30" : "2026-02-01"}`,
    );
    const numbers: number[] = [];
    let error: unknown;
    try {
      for await (const batch of parseLedgerCsv(utf8(text), { batchSize: 200, fileName: "ledger.csv" })) {
        expect(batch.invoices).toHaveLength(200);
        numbers.push(...batch.invoices.map((invoice) => Number(invoice.number.slice(4))));
      }
    } catch (caught) {
      error = caught;
    }
    expect(numbers.length).toBeGreaterThan(0);
    expect(Math.max(...numbers)).toBeLessThan(2500);
    expect(error).toBeInstanceOf(RelanceError);
    expect((error as RelanceError).message).toBe("ledger.csv has 2 problems");
    expect((error as RelanceError).issues).toEqual([
      { line: 2501, column: "amount", message: '"abc" is not an amount' },
      { line: 2901, column: "due_date", message: '"2026-02-30" is not a real date' },
    ]);
  });

  it("keeps the first maxIssues problems and counts the rest", async () => {
    const text = ledger(25, 5, (i) => `C${i % 5},Name ${i % 5},,INV-${i},EUR,-${i},2026-01-01,2026-02-01`);
    const error = await failure(utf8(text), { maxIssues: 10, fileName: "x.csv" });
    expect(error.message).toBe("x.csv has 25 problems");
    expect(error.issues).toHaveLength(11);
    expect(error.issues[0]).toEqual({
      line: 2,
      column: "amount",
      message: '"-1" is negative; amounts must be positive (record a credit note instead)',
    });
    expect(error.issues[9]?.line).toBe(11);
    expect(error.issues[10]).toEqual({ message: "15 more problems not listed" });
  });
});

describe("chunk boundaries", () => {
  const files = [
    "good/utf8.csv",
    "good/utf8-bom.csv",
    "good/windows-1252.csv",
    "good/semicolon-decimal-comma.csv",
    "good/tab-separated.csv",
    "good/dates-dmy.csv",
  ];

  it.each(files)("%s reads the same whole, byte by byte and in uneven pieces", async (path) => {
    const bytes = await readFile(new URL(path, corpus));
    const whole = await readLedgerCsv(bytes);
    expect(await readLedgerCsv(pieces(bytes, [1]))).toEqual(whole);
    expect(await readLedgerCsv(pieces(bytes, [3, 1, 7, 2, 5]))).toEqual(whole);
  });

  it("reads Node streams and web streams", async () => {
    const bytes = await readFile(new URL("good/utf8.csv", corpus));
    const whole = await readLedgerCsv(bytes);
    expect(await readLedgerCsv(Readable.from([bytes.subarray(0, 100), bytes.subarray(100)]))).toEqual(whole);
    expect(await readLedgerCsv(new Blob([bytes]).stream())).toEqual(whole);
  });

  it("refuses a stream of text rather than bytes", async () => {
    const error = await failure(Readable.from(["debtor_id\n"], { objectMode: true }));
    expect(error.code).toBe("misconfigured");
  });

  it("counts lines through quoted line breaks, CRLF and blank lines", async () => {
    const text = [
      HEADER,
      'C1,"Line one\r\nline two\r\nline three",,F-1,EUR,1,2026-01-01,2026-02-01',
      "",
      'C2,Two,,F-2,EUR,"1\n0",2026-01-01,2026-02-01',
      "C3,Three,,F-3,EUR,x,2026-01-01,2026-02-01",
      "",
    ].join("\r\n");
    expect(await issues(text)).toEqual([
      { line: 6, column: "amount", message: '"1\n0" is not an amount' },
      { line: 8, column: "amount", message: '"x" is not an amount' },
    ]);
  });
});

describe("encodings", () => {
  const ascii = ledger(3000, 40);
  const tail = "Z1,Société Générale,,Z-1,EUR,1,2026-01-01,2026-02-01\n";

  it("finds UTF-8 whose first accent comes after 100 KiB of ASCII", async () => {
    const bytes = utf8(ascii + tail);
    expect(bytes.byteLength).toBeGreaterThan(100 * 1024);
    const { debtors, summary } = await readLedgerCsv(pieces(bytes, [4093, 7, 1]));
    expect(debtors.at(-1)?.name).toBe("Société Générale");
    expect(summary.encoding).toBe("utf-8");
  });

  it("finds Windows-1252 whose first accent comes after 100 KiB of ASCII", async () => {
    const bytes = iconv.encode(ascii + tail, "windows-1252");
    const { debtors, summary } = await readLedgerCsv(pieces(bytes, [65536]));
    expect(debtors.at(-1)?.name).toBe("Société Générale");
    expect(summary.encoding).toBe("windows-1252");
  });

  it("reports the rows of a file that switches from UTF-8 to Windows-1252", async () => {
    const start = `${HEADER}\nX1,Crème,,F-1,EUR,1,2026-01-01,2026-02-01\n`;
    const filler = ledger(2000, 10).slice(HEADER.length + 1);
    const late = Buffer.from("X9,Br\xfbl\xe9e,,F-9,EUR,1,2026-01-01,2026-02-01\n", "latin1");
    const bytes = Buffer.concat([utf8(start + filler), late]);
    expect(await issues(bytes)).toEqual([
      { line: 2003, column: "debtor_name", message: "has bytes that are not valid UTF-8 text; save the file as CSV UTF-8" },
    ]);
  });

  it("reports bytes Windows-1252 leaves undefined", async () => {
    const bytes = Buffer.concat([
      Buffer.from(`${HEADER}\nC1,Caf\xe9,,F-1,EUR,1,2026-01-01,2026-02-01\n`, "latin1"),
      Buffer.from([0x43, 0x32, 0x2c, 0x81, 0x2c, 0x2c]),
      Buffer.from("F-2,EUR,1,2026-01-01,2026-02-01\n", "latin1"),
    ]);
    expect(await issues(bytes)).toEqual([
      { line: 3, column: "debtor_name", message: "has bytes that are not valid Windows-1252 text; save the file as CSV UTF-8" },
    ]);
  });

  it("takes an explicit encoding over detection", async () => {
    const bytes = utf8(`${HEADER}\nC1,Société,,F-1,EUR,1,2026-01-01,2026-02-01\n`);
    const { debtors } = await readLedgerCsv(bytes, { encoding: "windows-1252" });
    expect(debtors[0]?.name).toBe("SociÃ©tÃ©");
    const latin = iconv.encode(`${HEADER}\nC1,Société,,F-1,EUR,1,2026-01-01,2026-02-01\n`, "windows-1252");
    expect(await issues(latin, { encoding: "utf-8" })).toEqual([
      { line: 2, column: "debtor_name", message: "has bytes that are not valid UTF-8 text; save the file as CSV UTF-8" },
    ]);
  });

  it.each([
    ["UTF-16 without a byte order mark", iconv.encode(ledger(3), "utf-16le"), "looks like UTF-16 text (every other byte is NUL)"],
    [
      "UTF-16 big-endian",
      iconv.encode(`\ufeff${ledger(3)}`, "utf-16be"),
      "looks like UTF-16 text (it starts with a UTF-16 byte order mark)",
    ],
    [
      "a workbook",
      Buffer.concat([Buffer.from("PK\x03\x04", "latin1"), Buffer.alloc(100, 1)]),
      "looks like an Excel workbook or another ZIP archive, not CSV text",
    ],
    [
      "control bytes",
      Buffer.from(Array.from({ length: 500 }, (_, i) => (i % 10 === 0 ? 3 : 65))),
      "looks like a binary file, not CSV text",
    ],
    [
      "a NUL byte after the first 4 KiB",
      Buffer.concat([utf8(ledger(200)), Buffer.from([0])]),
      "contains NUL bytes: it looks like UTF-16 or a binary file, not CSV text",
    ],
  ])("refuses %s", async (_, bytes, reason) => {
    const error = await failure(bytes, { fileName: "upload.csv" });
    expect(error.code).toBe("validation_failed");
    expect(error.message).toBe(`upload.csv ${reason}; save it as CSV UTF-8`);
    expect(error.issues).toEqual([{ message: `the file ${reason}; save it as CSV UTF-8` }]);
  });
});

describe("delimiters, line endings and header", () => {
  it("takes an explicit delimiter over detection", async () => {
    const text = `${HEADER.replaceAll(",", ";")}\nC1;One;;F-1;EUR;1,5;01/01/2026;01/02/2026\n`;
    expect((await readLedgerCsv(utf8(text))).invoices[0]?.totalMinor).toBe(150);
    const [issue] = await issues(text, { delimiter: "," });
    expect(issue?.message).toMatch(/^missing required column debtor_id; the header has: debtor_id;debtor_name/);
  });

  it("follows Excel's sep= line and counts it as line 1", async () => {
    const text = `sep=;\r\n${HEADER.replaceAll(",", ";")}\r\nC1;One;;F-1;EUR;x;01/01/2026;01/02/2026\r\n`;
    expect(await issues(text)).toEqual([{ line: 3, column: "amount", message: '"x" is not an amount' }]);
  });

  it("detects the delimiter on the first line with content, and a tab in sep=", async () => {
    const semicolons = `\r\n\r\n${HEADER.replaceAll(",", ";")}\r\nC1;One;;F-1;EUR;x;01/01/2026;01/02/2026\r\n`;
    expect(await issues(semicolons)).toEqual([{ line: 4, column: "amount", message: '"x" is not an amount' }]);
    const tabs = `sep=\t\n${HEADER.replaceAll(",", "\t")}\nC1\tOne, Ltd\t\tF-1\tEUR\t1\t2026-01-01\t2026-02-01\n`;
    const { debtors, summary } = await readLedgerCsv(utf8(tabs));
    expect([debtors[0]?.name, summary.delimiter]).toEqual(["One, Ltd", "\t"]);
  });

  it("reads old Mac line endings (CR only)", async () => {
    const text = `${HEADER}\rC1,One,,F-1,EUR,1,2026-01-01,2026-02-01\rC2,Two,,F-2,EUR,2,2026-01-01,2026-02-01\r`;
    expect((await readLedgerCsv(utf8(text))).invoices.map((invoice) => invoice.totalMinor)).toEqual([100, 200]);
  });

  it("skips blank lines and Excel's empty rows, and tolerates a delimiter at the end of each line", async () => {
    const text = `\n${HEADER},\nC1,One,,F-1,EUR,1,2026-01-01,2026-02-01,\n\n,,,,,,,,\n  \nC2,Two,,F-2,EUR,x,2026-01-01,2026-02-01,\n`;
    expect(await issues(text)).toEqual([{ line: 7, column: "amount", message: '"x" is not an amount' }]);
    const { invoices, summary } = await readLedgerCsv(utf8(text.replace(",x,", ",2,")));
    expect(invoices.map((invoice) => invoice.number)).toEqual(["F-1", "F-2"]);
    expect(summary.rows).toBe(2);
  });

  it("accepts a delimiter closing the header line but not the rows, and the reverse", async () => {
    const rows = "C1,One,,F-1,EUR,1,2026-01-01,2026-02-01\n";
    expect((await readLedgerCsv(utf8(`${HEADER},\n${rows}`))).invoices).toHaveLength(1);
    expect((await readLedgerCsv(utf8(`${HEADER}\n${rows.replace("\n", ",\n")}`))).invoices).toHaveLength(1);
  });

  it("matches header names case-insensitively, trimmed, with spaces for underscores", async () => {
    const text =
      " Debtor ID ,DEBTOR_NAME,Debtor-Email,Invoice Number,Currency,Amount,Issue date,Due Date\nC1,One,,F-1,EUR,1,2026-01-01,2026-02-01\n";
    expect((await readLedgerCsv(utf8(text))).invoices).toHaveLength(1);
  });

  it("recognises a few French aliases", async () => {
    const text =
      "code_client;nom_client;courriel;numero_facture;devise;montant;date_facture;echeance;statut\nC1;Un;;F-1;EUR;1,00;01/01/2026;01/02/2026;paid\n";
    expect((await readLedgerCsv(utf8(text))).invoices[0]).toMatchObject({ number: "F-1", status: "paid", balanceMinor: 0 });
  });

  it("refuses a header with a column twice, or two columns read as the same one", async () => {
    expect(await issues(`${HEADER},amount\n`)).toEqual([
      { line: 1, column: "amount", message: 'the header has column "amount" twice (positions 6 and 9)' },
    ]);
    expect(await issues(`${HEADER},montant\n`)).toEqual([
      {
        line: 1,
        column: "montant",
        message: 'columns "amount" and "montant" are both read as amount; map one of them to another column',
      },
    ]);
  });

  it("lets columns it does not read repeat", async () => {
    const text = `${HEADER},Note,note\nC1,One,,F-1,EUR,1,2026-01-01,2026-02-01,a,b\n`;
    expect((await readLedgerCsv(utf8(text))).summary.ignoredColumns).toEqual(["Note", "note"]);
  });

  it("says when the mapping names a column the file does not have", async () => {
    const text = HEADER.replace("amount", "Somme").concat("\n");
    expect(await issues(text, { mapping: { "Total TTC": "amount" } })).toEqual([
      {
        line: 1,
        column: "amount",
        message: `missing required column amount (the mapping reads it from "Total TTC", which is not in the header); the header has: ${HEADER.replace("amount", "Somme").replaceAll(",", ", ")}`,
      },
    ]);
  });

  it("refuses invalid options", async () => {
    const error = await failure(utf8(ledger(1)), { mapping: { Montant: "montant" as "amount" }, delimiter: ":" as "," });
    expect(error.code).toBe("validation_failed");
    expect(error.issues.map((issue) => issue.path)).toEqual(["mapping.Montant", "delimiter"]);
  });

  it("reports quoting mistakes on their line", async () => {
    expect(await issues(`${HEADER}\nC1,"One" Ltd,,F-1,EUR,1,2026-01-01,2026-02-01\n`)).toEqual([
      { line: 2, message: 'a quoted field has text after its closing quote; write a quote inside a quoted field as ""' },
    ]);
    expect(
      await issues(`${HEADER}\nC1,One,,F-1,EUR,1,2026-01-01,2026-02-01\nC2,"Two,,F-2,EUR,1,2026-01-01,2026-02-01\n`),
    ).toEqual([{ line: 3, message: "a quoted field is never closed" }]);
  });

  it("stops at a row longer than 1 MiB (a quote never closed early in a large file)", async () => {
    const text = `${HEADER}\nC1,"Never closed,,F-1,EUR,1,2026-01-01,2026-02-01\n${ledger(30_000).slice(HEADER.length + 1)}`;
    expect(await issues(text)).toEqual([
      { line: 2, message: "this row is longer than 1 MiB: a quoted field is probably never closed" },
    ]);
  });
});

describe("limits", () => {
  it("refuses a buffer over maxBytes before reading it", async () => {
    const batches = parseLedgerCsv(utf8(ledger(100)), { maxBytes: 1000, fileName: "big.csv" });
    await expect(batches.next()).rejects.toMatchObject({
      code: "payload_too_large",
      message: "big.csv is larger than 1000 bytes",
    });
  });

  it("stops reading a stream as soon as it passes maxBytes", async () => {
    let pulled = 0;
    async function* endless(): AsyncGenerator<Uint8Array> {
      const chunk = utf8(ledger(200));
      yield chunk;
      for (;;) {
        pulled++;
        yield utf8(
          ledger(200)
            .slice(HEADER.length + 1)
            .replaceAll("INV-", `INV-${pulled}-`),
        );
      }
    }
    const error = await failure(endless(), { maxBytes: 1024 * 1024 });
    expect(error).toMatchObject({ code: "payload_too_large", message: "the file is larger than 1 MiB" });
    expect(pulled).toBeLessThan(150);
  });
});

describe("rows", () => {
  const row = (rest: string) => `${HEADER},amount_due,status\nC1,One,,F-1,EUR,${rest}\n`;

  it.each([
    ["100,2026-01-01,2026-02-01,,", { totalMinor: 10000, balanceMinor: 10000, status: "open" }],
    ["100,2026-01-01,2026-02-01,0,", { totalMinor: 10000, balanceMinor: 0, status: "paid" }],
    ["100,2026-01-01,2026-02-01,40,", { totalMinor: 10000, balanceMinor: 4000, status: "open" }],
    ["100,2026-01-01,2026-02-01,,PAID", { totalMinor: 10000, balanceMinor: 0, status: "paid" }],
    ["100,2026-01-01,2026-02-01,, Void ", { totalMinor: 10000, balanceMinor: 0, status: "void" }],
    ["100,2026-01-01,2026-02-01,30,void", { totalMinor: 10000, balanceMinor: 3000, status: "void" }],
    ["0,2026-01-01,2026-02-01,,", { totalMinor: 0, balanceMinor: 0, status: "paid" }],
  ])("amount,dates,amount_due,status %j", async (rest, expected) => {
    expect((await readLedgerCsv(utf8(row(rest)))).invoices[0]).toMatchObject(expected);
  });

  it.each([
    ["100,2026-01-01,2026-02-01,120,", "amount_due", '"120" is more than the amount'],
    ["100,2026-01-01,2026-02-01,20,paid", "status", 'is paid but amount_due is "20"'],
    ["100,2026-01-01,2026-02-01,0,open", "status", "is open but amount_due is 0"],
    ["100,2026-01-01,2026-02-01,,closed", "status", '"closed" is not a status; use open, paid or void'],
  ])("refuses %j", async (rest, column, message) => {
    expect(await issues(row(rest))).toEqual([{ line: 2, column, message }]);
  });

  it("checks debtor details the first time, and ids and lengths every time", async () => {
    const text = [
      `${HEADER},debtor_language,debtor_phone`,
      `C1,One,a@b.fr; c@d,F-1,EUR,1,2026-01-01,2026-02-01,fr_FR,${"1".repeat(51)}`,
      `,Two,,F-2,EUR,1,2026-01-01,2026-02-01,,`,
      `C3,,,${"F".repeat(201)},EUR,1,2026-01-01,2026-02-01,français,`,
    ].join("\n");
    expect(await issues(text)).toEqual([
      { line: 2, column: "debtor_email", message: '"c@d" is not an email address' },
      { line: 2, column: "debtor_phone", message: "is longer than 50 characters" },
      { line: 3, column: "debtor_id", message: "is empty" },
      { line: 4, column: "invoice_number", message: "is longer than 200 characters" },
      { line: 4, column: "debtor_name", message: "is empty" },
      { line: 4, column: "debtor_language", message: '"français" is not a language tag such as fr or en-GB' },
    ]);
  });

  it("normalises language tags, country codes and lists", async () => {
    const text = [
      `${HEADER},debtor_language,address_line1,country,debtor_tags`,
      'C1,One,"a@b.fr, c@d.fr;a@b.fr",F-1,EUR,1,2026-01-01,2026-02-01,en_GB,1 High St,gb,"vip; new,,vip"',
    ].join("\n");
    expect((await readLedgerCsv(utf8(text))).debtors[0]).toEqual({
      externalId: "C1",
      name: "One",
      emails: ["a@b.fr", "c@d.fr"],
      language: "en-GB",
      address: { lines: ["1 High St"], country: "GB" },
      tags: ["vip", "new"],
    });
  });

  it("ignores spaces around a debtor's values when comparing its rows", async () => {
    const text = `${HEADER}\nC1,One,a@b.fr,F-1,EUR,1,2026-01-01,2026-02-01\nC1, One ,a@b.fr  ,F-2,EUR,1,2026-01-01,2026-02-01\n`;
    expect((await readLedgerCsv(utf8(text))).debtors).toEqual([{ externalId: "C1", name: "One", emails: ["a@b.fr"], tags: [] }]);
  });

  it("emits an exact duplicate row once and counts it", async () => {
    const line = "C1,One,,F-1,EUR,1,2026-01-01,2026-02-01";
    const { invoices, summary } = await readLedgerCsv(utf8(`${HEADER}\n${line}\n${line}\n${line}\n`));
    expect(invoices).toHaveLength(1);
    expect(summary).toMatchObject({ rows: 3, invoices: 1, duplicateRows: 2 });
  });

  it.each([
    ["C2,One,,F-1,EUR,1,2026-01-01,2026-02-01", "debtor_id"],
    ["C1,One,,F-1,EUR,1,2026-01-02,2026-02-01", "issue_date"],
    ["C1,One,,F-1,USD,1,2026-01-01,2026-02-01", "currency"],
  ])("names what differs in a repeated invoice number: %s", async (second, column) => {
    const text = `${HEADER},amount_due,status\nC1,One,,F-1,EUR,1,2026-01-01,2026-02-01,1,open\n${second},1,open\nC1,One,,F-1,EUR,1,2026-01-01,2026-02-01,1,void\n`;
    expect(await issues(text)).toEqual([
      { line: 3, column, message: `duplicate invoice number F-1 with a different ${column} (first on line 2)` },
      { line: 4, column: "status", message: "duplicate invoice number F-1 with a different status (first on line 2)" },
    ]);
  });

  it("infers the decimal separator from the first amount that shows it", async () => {
    const text = `${HEADER}\nC1,One,,F-1,EUR,"1,234",2026-01-01,2026-02-01\nC1,One,,F-2,EUR,"12,5",2026-01-01,2026-02-01\n`;
    // "1,234" alone says nothing; "12,5" shows a decimal comma, so "1,234" is 1.234 euros: too many decimals.
    expect(await issues(text)).toEqual([{ line: 2, column: "amount", message: '"1,234" has 3 decimals but EUR has 2' }]);
    expect(await issues(text, { decimalSeparator: "." })).toEqual([
      {
        line: 3,
        column: "amount",
        message: '"12,5" uses "," as decimal separator but this file uses "."; set decimalSeparator if the file mixes them',
      },
    ]);
  });

  it("falls back to the delimiter's convention when no amount shows the separator", async () => {
    const semicolon = `${HEADER.replaceAll(",", ";")}\nC1;One;;F-1;JPY;1.234;01/01/2026;01/02/2026\n`;
    expect((await readLedgerCsv(utf8(semicolon))).summary.decimalSeparator).toBe(",");
    expect((await readLedgerCsv(utf8(semicolon))).invoices[0]?.totalMinor).toBe(1234);
    const comma = `${HEADER}\nC1,One,,F-1,JPY,"1,234",01/01/2026,01/02/2026\n`;
    expect((await readLedgerCsv(utf8(comma))).summary.decimalSeparator).toBe(".");
    expect((await readLedgerCsv(utf8(comma))).invoices[0]?.totalMinor).toBe(1234);
  });

  it("counts a row with too many values as a problem", async () => {
    expect(await issues(`${HEADER}\nC1,One,,F-1,EUR,1,2026-01-01,2026-02-01,extra\n`)).toEqual([
      { line: 2, message: "has 9 fields but the header has 8; check the delimiter and the quotes" },
    ]);
  });
});
