/** The public import API: a streaming parse that yields batches and rejects the whole file on any problem. */
import type { Debtor, Invoice } from "@relance/core";
import { ByteDecoder, type TextEncodingName } from "./encoding";
import { byteChunks, type LedgerCsvInput } from "./input";
import { type LedgerBatch, LedgerParser } from "./ledger-parser";
import { type DecimalMark, type ParseLedgerCsvOptions, type Preset, resolveOptions } from "./options";
import type { Delimiter } from "./text-rows";

const TEXT_SLICE = 64 * 1024;
const ENCODING_NAMES: Record<TextEncodingName, string> = {
  "utf-8": "UTF-8",
  "windows-1252": "Windows-1252",
  "iso-8859-15": "ISO-8859-15",
};

export interface LedgerCsvSummary {
  /** The layout the file was read as: the one set, or the one detected from the header. */
  readonly preset: Preset;
  /** Data rows read (blank lines not counted). */
  readonly rows: number;
  readonly debtors: number;
  readonly invoices: number;
  /** Rows repeating an earlier row's invoice exactly (for a Xero invoice export: its other line items); emitted once. */
  readonly duplicateRows: number;
  /** Rows that are not invoices to collect: credit notes, payments, drafts, other accounts of a FEC. */
  readonly skippedRows: number;
  readonly encoding: TextEncodingName;
  readonly delimiter: Delimiter;
  readonly decimalSeparator: DecimalMark;
  /** Header names that are neither our columns, known aliases nor mapped. */
  readonly ignoredColumns: readonly string[];
}

/**
 * Parses a debtors-and-invoices CSV (see FORMAT.md) as a stream of batches of about `batchSize`
 * invoices, each with the debtors first seen in it, so a caller can write each batch in the same
 * transaction and roll back if the parse fails.
 *
 * The whole file is rejected if any row is bad: once a problem is found no more batches are yielded,
 * the rest of the file is still checked, and the generator throws a RelanceError "validation_failed"
 * whose `issues` give the line and column of every problem. The generator's return value (reached
 * with a manual `next()` loop) is a summary of the file.
 */
export async function* parseLedgerCsv(
  input: LedgerCsvInput,
  options: ParseLedgerCsvOptions = {},
): AsyncGenerator<LedgerBatch, LedgerCsvSummary, undefined> {
  const resolved = resolveOptions(options);
  const decoder = new ByteDecoder(resolved.encoding, resolved.fileName);
  const parser = new LedgerParser(resolved, () => (decoder.sawUndecodable ? ENCODING_NAMES[decoder.encoding] : undefined));

  for await (const chunk of byteChunks(input, resolved.maxBytes, resolved.fileName)) {
    const text = decoder.push(chunk);
    // Small slices keep the rows and records of each step short-lived (cheap for the garbage collector)
    // whatever the size of the chunks the input comes in.
    for (let at = 0; at < text.length; at += TEXT_SLICE) {
      parser.feed(text.length <= TEXT_SLICE ? text : text.slice(at, at + TEXT_SLICE), false);
      for (const batch of parser.drain(false)) yield batch;
    }
  }
  parser.feed(decoder.end(), true);
  if (parser.issues.count > 0) throw parser.issues.toError(resolved.fileName);
  for (const batch of parser.drain(true)) yield batch;

  const reader = parser.reader;
  return {
    preset: parser.setup?.preset ?? "ledger",
    rows: reader?.rows ?? 0,
    debtors: reader?.debtorCount ?? 0,
    invoices: reader?.invoiceCount ?? 0,
    duplicateRows: reader?.duplicateRows ?? 0,
    skippedRows: reader?.skippedRows ?? 0,
    encoding: decoder.encoding,
    delimiter: parser.delimiter ?? ",",
    decimalSeparator: parser.decimalMark ?? ".",
    ignoredColumns: parser.setup?.ignored ?? [],
  };
}

/** Reads a whole (small) file into memory: every debtor and invoice plus the summary. */
export async function readLedgerCsv(
  input: LedgerCsvInput,
  options: ParseLedgerCsvOptions = {},
): Promise<{ debtors: Debtor[]; invoices: Invoice[]; summary: LedgerCsvSummary }> {
  const debtors: Debtor[] = [];
  const invoices: Invoice[] = [];
  const batches = parseLedgerCsv(input, options);
  for (;;) {
    const next = await batches.next();
    if (next.done) return { debtors, invoices, summary: next.value };
    debtors.push(...next.value.debtors);
    invoices.push(...next.value.invoices);
  }
}
