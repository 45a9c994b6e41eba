/**
 * A 50 MB file with one bad row near the end, generated into a temp dir: it must be rejected, with
 * memory bounded while it streams (nothing of the file is held whole).
 */
import { once } from "node:events";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { finished } from "node:stream/promises";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { isRelanceError } from "@relance/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseLedgerCsv } from "../src/index";

const TARGET_BYTES = 50 * 1024 * 1024;
const DEBTORS = 15_000;

/** A full collection (not just the young generation) so heap figures are what is really retained. */
function collector(): () => void {
  setFlagsFromString("--expose-gc");
  return runInNewContext("gc") as () => void;
}

function row(i: number, amount: string): string {
  const d = (i * 7919) % DEBTORS;
  const name = d % 5 === 0 ? `"Société ${d}, SARL"` : `Entreprise ${d}`;
  const month = String(1 + (i % 12)).padStart(2, "0");
  const day = String(1 + (i % 28)).padStart(2, "0");
  return [
    `D${d}`,
    name,
    `compta.${d}@exemple-${d % 97}.fr`,
    `FAC-${String(i).padStart(8, "0")}`,
    "EUR",
    amount,
    `${day}/${month}/2025`,
    `${day}/${month}/2026`,
    `${d} avenue de la République`,
    String(10000 + (d % 89999)),
    "Lyon",
    "FR",
    `commande ${i % 1000}`,
  ].join(";");
}

describe("a 50 MB file with one bad row near the end", () => {
  let dir: string;
  let file: string;
  let rows = 0;
  let badLine = 0;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "relance-csv-large-"));
    file = join(dir, "ledger.csv");
    const out = createWriteStream(file);
    let bytes = 0;
    let lines = [
      "debtor_id;debtor_name;debtor_email;invoice_number;currency;amount;issue_date;due_date;address_line1;postal_code;city;country;reference",
    ];
    const flush = async () => {
      const text = `${lines.join("\r\n")}\r\n`;
      bytes += Buffer.byteLength(text);
      lines = [];
      if (!out.write(text)) await once(out, "drain");
    };
    while (bytes < TARGET_BYTES) {
      rows++;
      lines.push(row(rows, `${1 + (rows % 9000)},${String(rows % 100).padStart(2, "0")}`));
      if (lines.length === 5000) await flush();
    }
    // The bad row: 20 rows before the end, in the last chunk of the file.
    for (let i = 0; i < 20; i++) {
      rows++;
      if (i === 0) badLine = rows + 1;
      lines.push(row(rows, i === 0 ? "12,5O" : "10,00"));
    }
    await flush();
    out.end();
    await finished(out);
  }, 120_000);

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("is rejected with the one problem, after streaming with memory bounded", async () => {
    const size = (await stat(file)).size;
    expect(size).toBeGreaterThan(TARGET_BYTES);
    const gc = collector();
    gc();
    const before = process.memoryUsage();
    let peakHeap = 0;
    let peakTotal = 0;
    let invoices = 0;
    let batches = 0;
    let failure: unknown;
    try {
      for await (const batch of parseLedgerCsv(createReadStream(file), { fileName: "ledger.csv" })) {
        invoices += batch.invoices.length;
        if (++batches % 25 === 0) {
          gc();
          const now = process.memoryUsage();
          peakHeap = Math.max(peakHeap, now.heapUsed - before.heapUsed);
          peakTotal = Math.max(peakTotal, now.heapUsed + now.arrayBuffers - before.heapUsed - before.arrayBuffers);
        }
      }
    } catch (error) {
      failure = error;
    }

    expect(isRelanceError(failure) && failure.code).toBe("validation_failed");
    if (!isRelanceError(failure)) return;
    expect(failure.message).toBe("ledger.csv has 1 problem");
    expect(failure.issues).toEqual([{ line: badLine, column: "amount", message: '"12,5O" is not an amount' }]);
    // Batches stopped at the bad row: everything before it had been handed over.
    expect(invoices).toBeGreaterThan(rows - 1000 - 20);
    expect(invoices).toBeLessThan(rows - 20);

    // What stays in memory is about 70 bytes per invoice number (and per debtor) in typed arrays,
    // counted in arrayBuffers rather than heapUsed: the heap stays flat, and the whole is about half
    // of this file of short rows — holding the file's text would be twice its size or more.
    console.log(
      `${(size / 1048576).toFixed(0)} MiB, ${rows} rows: peak retained heap +${(peakHeap / 1048576).toFixed(1)} MiB, heap + array buffers +${(peakTotal / 1048576).toFixed(1)} MiB`,
    );
    expect(peakHeap).toBeLessThan(size / 20);
    expect(peakTotal).toBeLessThan(size * 0.6);
  }, 120_000);
});
