/**
 * Ledger exports (Xero, QuickBooks) read through the ledger format's row reader: each vendor row is
 * turned into our columns, so amounts, dates, currencies, repeated invoices and batching are checked
 * exactly as for a ledger CSV, and problems still name the file's own columns.
 */
import { COLUMNS, type Column, type ColumnLayout } from "../columns";
import type { DateFormat } from "../options";
import { RowReader } from "../rows";
import type { LedgerBatch, ReaderContext, RecordReader } from "./reader";

/** An invoice to read, a row that is something else (counted), or layout (titles, totals, blank). */
export type RowKind = "invoice" | "skipped" | "ignored";

export interface VendorAdapter {
  /** Our columns the adapter fills, in `out` order, each with the file's header name used in messages. */
  readonly columns: readonly (readonly [Column, string])[];
  /** Rows must have as many cells as the header (exports without title, group or total rows). */
  readonly width?: number;
  adapt(fields: readonly string[], line: number, out: string[]): RowKind;
}

export class AdaptedReader implements RecordReader {
  readonly #adapter: VendorAdapter;
  readonly #reader: RowReader;
  readonly #context: ReaderContext;
  #skipped = 0;
  #badWidth = 0;

  constructor(adapter: VendorAdapter, context: ReaderContext, dateFormat: DateFormat) {
    this.#adapter = adapter;
    this.#context = context;
    const index = Object.fromEntries(COLUMNS.map((column) => [column, -1])) as Record<Column, number>;
    adapter.columns.forEach(([column], position) => {
      index[column] = position;
    });
    const layout: ColumnLayout = { index, header: adapter.columns.map(([, name]) => name), ignored: [] };
    this.#reader = new RowReader({ ...context, layout, dateFormat, firstDebtorRowWins: true });
  }

  get ready(): LedgerBatch[] {
    return this.#reader.ready;
  }

  get rows(): number {
    return this.#reader.rows + this.#skipped + this.#badWidth;
  }

  get debtorCount(): number {
    return this.#reader.debtorCount;
  }

  get invoiceCount(): number {
    return this.#reader.invoiceCount;
  }

  get duplicateRows(): number {
    return this.#reader.duplicateRows;
  }

  get skippedRows(): number {
    return this.#skipped;
  }

  take(): LedgerBatch {
    return this.#reader.take();
  }

  finish(): void {}

  read(fields: readonly string[], line: number): void {
    const width = this.#adapter.width;
    if (width !== undefined && fields.length !== width && !this.#widthOk(fields, width, line)) return;
    const out = new Array<string>(this.#adapter.columns.length).fill("");
    const kind = this.#adapter.adapt(fields, line, out);
    if (kind === "invoice") this.#reader.read(out, line);
    else if (kind === "skipped") this.#skipped++;
  }

  #widthOk(fields: readonly string[], width: number, line: number): boolean {
    const blank = (from: number) => fields.slice(from).every((field) => field.trim() === "");
    if (blank(0)) return false;
    if (fields.length > width && blank(width)) return true;
    this.#badWidth++;
    this.#context.issues.add({
      line,
      message: `has ${fields.length} ${fields.length === 1 ? "field" : "fields"} but the header has ${width}; check the delimiter and the quotes`,
    });
    return false;
  }
}
