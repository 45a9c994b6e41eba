/**
 * The push side of the import: decoded text in, batches of records out. Finds the delimiter and line
 * ending, the header line (after any report title lines) and the preset it calls for, the decimal
 * separator, then hands every row to the preset's reader.
 */
import { IssueLog } from "./issues";
import { decimalMarkOf } from "./numbers";
import type { DecimalMark, ResolvedOptions } from "./options";
import { choosePreset } from "./presets/detect";
import type { LedgerBatch, PresetSetup, RecordReader } from "./presets/reader";
import { type Delimiter, MAX_ROW_CHARS, type Newline, type RowSink, TextRows } from "./text-rows";

export type { LedgerBatch } from "./presets/reader";

/** Rows looked at (at most) to find the decimal separator before the first row is read. */
const MARK_SAMPLE_ROWS = 1000;
const DELIMITERS: readonly Delimiter[] = [",", ";", "\t", "|"];
/** Lines of at most one cell above the header (a report's company name, title, date) skipped at most. */
const MAX_TITLE_LINES = 10;

type Pending = { readonly fields: string[]; readonly line: number } | { readonly malformed: string; readonly line: number };

export class LedgerParser implements RowSink {
  readonly issues: IssueLog;
  readonly #options: ResolvedOptions;
  readonly #undecodable: () => string | undefined;
  #head = "";
  #rows: TextRows | undefined;
  #titles: { readonly fields: string[]; readonly line: number }[] = [];
  #setup: PresetSetup | undefined;
  #reader: RecordReader | undefined;
  /** Rows held while the decimal separator is still unknown. */
  #pending: Pending[] = [];
  #delimiter: Delimiter | undefined;
  #decimalMark: DecimalMark | undefined;

  constructor(options: ResolvedOptions, undecodable: () => string | undefined) {
    this.#options = options;
    this.#undecodable = undecodable;
    this.issues = new IssueLog(options.maxIssues);
  }

  get delimiter(): Delimiter | undefined {
    return this.#delimiter;
  }

  get decimalMark(): DecimalMark | undefined {
    return this.#decimalMark;
  }

  get setup(): PresetSetup | undefined {
    return this.#setup;
  }

  get reader(): RecordReader | undefined {
    return this.#reader;
  }

  /** Parses `text` (the next piece of the file); `final` once the file has ended. Throws on fatal problems. */
  feed(text: string, final: boolean): void {
    if (this.#rows === undefined) {
      this.#head += text;
      if (!this.#start(final)) return;
      text = this.#head;
      this.#head = "";
    }
    const rows = this.#rows as TextRows;
    rows.feed(text, final, this);
    if (rows.pendingChars > MAX_ROW_CHARS) {
      this.issues.add({ line: rows.line, message: "this row is longer than 1 MiB: a quoted field is probably never closed" });
      throw this.issues.toError(this.#options.fileName);
    }
    if (final) {
      if (this.#setup === undefined) this.#headerFromTitles();
      this.#flushPending();
      this.#reader?.finish();
    }
  }

  /**
   * Batches ready to be handed over; with `final`, also the last partial one. Nothing once the file
   * has a problem: it will be rejected whole.
   */
  drain(final: boolean): LedgerBatch[] {
    const reader = this.#reader;
    if (reader === undefined) return [];
    const batches = reader.ready.splice(0);
    if (final) {
      const rest = reader.take();
      if (rest.invoices.length > 0 || rest.debtors.length > 0) batches.push(rest);
    }
    return this.issues.count === 0 ? batches : [];
  }

  row(fields: string[], line: number): void {
    if (this.#reader !== undefined) {
      this.#reader.read(fields, line);
      return;
    }
    if (this.#setup === undefined) {
      const cells = fields.filter((field) => field.trim() !== "").length;
      if (cells === 0) return;
      if (cells === 1 && this.#titles.length < MAX_TITLE_LINES && !looksDelimited(fields)) this.#titles.push({ fields, line });
      else this.#header(fields, line);
      return;
    }
    this.#pending.push({ fields, line });
    const mark = decimalMarkOfRow(fields, this.#setup.amountPositions);
    if (mark !== undefined || this.#pending.length >= MARK_SAMPLE_ROWS) this.#flushPending(mark);
  }

  malformed(line: number, message: string): void {
    if (this.#reader !== undefined || this.#setup === undefined) this.issues.add({ line, message });
    else this.#pending.push({ malformed: message, line });
  }

  /**
   * Detects the line ending and the delimiter once the first line with content (the header, or
   * Excel's "sep=;" line) is complete. Returns false while more text is needed.
   */
  #start(final: boolean): boolean {
    const head = this.#head;
    const content = head.search(/\S/);
    const end = content === -1 ? -1 : lineEnd(head, content);
    // A CR at the very end may be the first half of a CRLF.
    if (!final && (end === -1 || (end === head.length - 1 && head[end] === "\r"))) {
      if (head.length > MAX_ROW_CHARS) {
        this.issues.add({ line: 1, message: "the first line is longer than 1 MiB; is this a CSV file?" });
        throw this.issues.toError(this.#options.fileName);
      }
      return false;
    }
    if (content === -1) throw this.#empty();
    const newline: Newline = end === -1 || head[end] === "\n" ? "\n" : head[end + 1] === "\n" ? "\r\n" : "\r";
    let line = head.slice(content, end === -1 ? undefined : end);
    let delimiter = this.#options.delimiter === "auto" ? undefined : this.#options.delimiter;
    let firstLine = 1;
    const hint = /^sep=(.)\s*$/i.exec(line);
    if (hint) {
      if (delimiter === undefined && isDelimiter(hint[1])) delimiter = hint[1];
      const rest = end === -1 ? head.length : end + newline.length;
      firstLine += countOf(head.slice(0, rest), newline === "\r" ? "\r" : "\n");
      this.#head = head.slice(rest);
      const next = this.#head.search(/\S/);
      const stop = next === -1 ? -1 : lineEnd(this.#head, next);
      line = next === -1 ? "" : this.#head.slice(next, stop === -1 ? undefined : stop);
    }
    this.#delimiter = delimiter ?? guessDelimiter(line);
    this.#rows = new TextRows(this.#delimiter, newline, firstLine);
    return true;
  }

  #header(fields: string[], line: number): void {
    const titles = this.#titles.map((title) => title.fields.find((field) => field.trim() !== "")?.trim() ?? "");
    const setup = choosePreset({ header: fields, line, titles, options: this.#options });
    if (Array.isArray(setup)) {
      for (const issue of setup) this.issues.add(issue);
      throw this.issues.toError(this.#options.fileName);
    }
    this.#setup = setup;
    this.#titles = [];
    if (this.#options.decimalSeparator !== "auto") this.#flushPending(this.#options.decimalSeparator);
  }

  /** The file ended with nothing but title-like lines: the first is the header (and says what is wrong). */
  #headerFromTitles(): void {
    const [first, ...rest] = this.#titles;
    if (first === undefined) throw this.#empty();
    this.#header(first.fields, first.line);
    for (const title of rest) this.row(title.fields, title.line);
  }

  /** Fixes the decimal separator (from a row, or the default) and reads the rows held until then. */
  #flushPending(mark?: DecimalMark): void {
    const setup = this.#setup;
    if (this.#reader !== undefined || setup === undefined) return;
    const byDelimiter = this.#delimiter === ";" ? "," : ".";
    this.#decimalMark = mark ?? (setup.preset === "ledger" ? byDelimiter : setup.defaultMark);
    const reader = setup.create({
      issues: this.issues,
      decimalMark: this.#decimalMark,
      batchSize: this.#options.batchSize,
      undecodable: this.#undecodable,
    });
    this.#reader = reader;
    for (const pending of this.#pending) {
      if ("fields" in pending) reader.read(pending.fields, pending.line);
      else this.issues.add({ line: pending.line, message: pending.malformed });
    }
    this.#pending = [];
  }

  #empty(): Error {
    this.issues.add({ line: 1, message: "the file is empty; the first line must be the header (debtor_id, debtor_name, …)" });
    return this.issues.toError(this.#options.fileName);
  }
}

/** The index of the first CR or LF at or after `from`, or -1. */
function lineEnd(text: string, from: number): number {
  const lf = text.indexOf("\n", from);
  const cr = text.indexOf("\r", from);
  if (lf === -1) return cr;
  if (cr === -1) return lf;
  return Math.min(lf, cr);
}

function countOf(text: string, char: string): number {
  return text.split(char).length - 1;
}

function isDelimiter(text: string | undefined): text is Delimiter {
  return text === "," || text === ";" || text === "\t" || text === "|";
}

/** A one-cell line that is really a header read with the wrong delimiter ("a;b;c" with ","), not a title. */
function looksDelimited(fields: readonly string[]): boolean {
  const text = fields.find((field) => field.trim() !== "") ?? "";
  return DELIMITERS.some((delimiter) => text.split(delimiter).length > 2);
}

/** The candidate found most often in the header line (ties: comma, then semicolon). */
function guessDelimiter(line: string): Delimiter {
  let best: Delimiter = ",";
  let bestCount = 0;
  for (const delimiter of DELIMITERS) {
    const count = line.split(delimiter).length - 1;
    if (count > bestCount) {
      best = delimiter;
      bestCount = count;
    }
  }
  return best;
}

function decimalMarkOfRow(fields: readonly string[], positions: readonly number[]): DecimalMark | undefined {
  for (const position of positions) {
    const text = fields[position];
    const mark = text === undefined ? undefined : decimalMarkOf(text);
    if (mark !== undefined) return mark;
  }
  return undefined;
}
