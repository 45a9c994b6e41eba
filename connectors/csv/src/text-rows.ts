/**
 * Decoded text → rows of fields with the physical line each starts on, through PapaParse's own
 * incremental parser (the same one its streaming mode drives): each call parses what is complete and
 * hands back the unfinished last row, so memory is bounded by one chunk plus one row.
 */
import Papa from "papaparse";

export type Delimiter = "," | ";" | "\t" | "|";
export type Newline = "\n" | "\r\n" | "\r";

/** A row longer than this is almost always a quote left open; we stop rather than read the rest into it. */
export const MAX_ROW_CHARS = 1024 * 1024;

interface PapaResult {
  data: string[][];
  errors: { code: string; row?: number }[];
  meta: { cursor: number };
}

export interface RowSink {
  row(fields: string[], line: number): void;
  /** A CSV-level problem (quotes) on the row that starts on `line`. */
  malformed(line: number, message: string): void;
}

export class TextRows {
  readonly #parser: Papa.Parser;
  readonly #newlineChar: string;
  #partial = "";
  /** Physical line on which the next row starts. */
  #line: number;

  constructor(delimiter: Delimiter, newline: Newline, firstLine: number) {
    this.#parser = new Papa.Parser({ delimiter, newline, quoteChar: '"' });
    this.#newlineChar = newline === "\r" ? "\r" : "\n";
    this.#line = firstLine;
  }

  /** The line where the unfinished row starts (for "row too long" reports). */
  get line(): number {
    return this.#line;
  }

  get pendingChars(): number {
    return this.#partial.length;
  }

  feed(text: string, final: boolean, sink: RowSink): void {
    const input = this.#partial === "" ? text : this.#partial + text;
    const result = this.#parser.parse(input, 0, !final) as PapaResult;
    const rows = result.data;
    const consumed = final ? input.length : result.meta.cursor;
    this.#partial = final ? "" : input.slice(consumed);
    if (rows.length === 0) return;

    let errors: Map<number, string> | undefined;
    for (const error of result.errors) {
      errors ??= new Map();
      if (error.row !== undefined && error.row < rows.length && !errors.has(error.row))
        errors.set(error.row, quoteProblem(error.code));
    }
    // Rows with line breaks inside quoted fields shift the line numbers after them; when the count of
    // line breaks shows there are none, line numbers are simply consecutive.
    const breaks = countOf(input, this.#newlineChar, consumed);
    const simple = breaks === (final ? rows.length - 1 : rows.length);
    let line = this.#line;
    for (let i = 0; i < rows.length; i++) {
      const fields = rows[i] as string[];
      const problem = errors?.get(i);
      if (problem !== undefined) sink.malformed(line, problem);
      else sink.row(fields, line);
      line += simple ? 1 : 1 + breaksInside(fields, this.#newlineChar);
    }
    this.#line = line;
  }
}

function quoteProblem(code: string): string {
  return code === "MissingQuotes"
    ? "a quoted field is never closed"
    : 'a quoted field has text after its closing quote; write a quote inside a quoted field as ""';
}

function countOf(text: string, char: string, end: number): number {
  let count = 0;
  let at = text.indexOf(char);
  while (at !== -1 && at < end) {
    count++;
    at = text.indexOf(char, at + 1);
  }
  return count;
}

function breaksInside(fields: readonly string[], char: string): number {
  let count = 0;
  for (const field of fields) if (field.includes(char)) count += countOf(field, char, field.length);
  return count;
}
