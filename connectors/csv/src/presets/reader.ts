/** What the line parser drives once the header is known: one implementation per kind of file. */
import type { Debtor, Invoice } from "@relance/core";
import type { IssueLog } from "../issues";
import type { DecimalMark, Preset } from "../options";

export interface LedgerBatch {
  readonly debtors: Debtor[];
  readonly invoices: Invoice[];
}

export interface RecordReader {
  /** Full batches; not filled once the file has a problem. */
  readonly ready: LedgerBatch[];
  /** Hands over the records gathered since the last full batch. */
  take(): LedgerBatch;
  /** Reads one parsed row that starts on physical line `line`. */
  read(fields: readonly string[], line: number): void;
  /** The file has ended: readers that aggregate rows (FEC) build their records now. */
  finish(): void;
  readonly rows: number;
  readonly debtorCount: number;
  readonly invoiceCount: number;
  readonly duplicateRows: number;
  /** Rows read that are not invoices (credit notes, payments, drafts, other accounts). */
  readonly skippedRows: number;
}

export interface ReaderContext {
  readonly issues: IssueLog;
  readonly decimalMark: DecimalMark;
  readonly batchSize: number;
  readonly undecodable: () => string | undefined;
}

/** A header resolved for one preset: how to find the decimal separator and how to read the rows. */
export interface PresetSetup {
  readonly preset: Preset;
  /** Positions of amount cells in a row, sampled to find the decimal separator. */
  readonly amountPositions: readonly number[];
  /** The decimal separator when no sampled amount shows it. */
  readonly defaultMark: DecimalMark;
  readonly ignored: readonly string[];
  create(context: ReaderContext): RecordReader;
}
