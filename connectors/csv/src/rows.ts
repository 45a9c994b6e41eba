/**
 * One CSV row → a Debtor (the first time its id is seen) and an Invoice, checked by hand: this is the
 * hot path, so no zod per row, but the records built here satisfy `debtorSchema` and `invoiceSchema`.
 */
import { currencyExponent, type Debtor, type Invoice, type InvoiceStatus, isCurrency, type PostalAddress } from "@relance/core";
import { regexes } from "zod";
import type { Column, ColumnLayout } from "./columns";
import { isoDayNumber, parseDate } from "./dates";
import type { IssueLog } from "./issues";
import { amountToMinor } from "./numbers";
import type { DateFormat, DecimalMark } from "./options";
import type { RecordReader } from "./presets/reader";
import { hashCells, hashText, SeenRecords } from "./seen";

const DEBTOR_COLUMNS: readonly Column[] = [
  "debtor_name",
  "debtor_email",
  "debtor_phone",
  "debtor_language",
  "debtor_kind",
  "address_line1",
  "address_line2",
  "postal_code",
  "city",
  "country",
  "debtor_tags",
];
/** Compared exactly (numbers) then by hash, in this order; names the column in "different …" issues. */
const INVOICE_FIELDS: readonly Column[] = [
  "amount",
  "amount_due",
  "debtor_id",
  "issue_date",
  "due_date",
  "currency",
  "reference",
];

const NO_NUMBERS: readonly number[] = [];
const LIST_SEPARATOR = /[;,]/;
const LANGUAGE = /^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*$/;
const COUNTRY = /^[A-Za-z]{2}$/;
const DATE_CACHE_LIMIT = 10_000;

/** A parsed date cell: the calendar date (also as 20260315), or the problem. */
type CachedDate = { readonly date: string; readonly day: number } | { readonly message: string };
interface KnownCurrency {
  readonly code: string;
  readonly id: number;
  readonly exponent: number;
}

export interface RowReaderSettings {
  readonly layout: ColumnLayout;
  readonly issues: IssueLog;
  readonly decimalMark: DecimalMark;
  readonly dateFormat: DateFormat;
  /** Invoices per batch; full batches move to `ready`. */
  readonly batchSize: number;
  /** Set once the decoder replaced undecodable bytes: from then on every cell is checked for U+FFFD. */
  readonly undecodable: () => string | undefined;
  /**
   * Ledger exports (Xero, QuickBooks) copy each invoice's contact as it was: the first row of a debtor
   * gives its details and later rows are not compared with it.
   */
  readonly firstDebtorRowWins?: boolean;
}

export class RowReader implements RecordReader {
  /** Full batches, and the records of the batch being filled; not filled once the file has a problem. */
  readonly ready: { debtors: Debtor[]; invoices: Invoice[] }[] = [];
  debtors: Debtor[] = [];
  invoices: Invoice[] = [];
  rows = 0;
  duplicateRows = 0;
  readonly skippedRows = 0;

  readonly #settings: RowReaderSettings;
  readonly #issues: IssueLog;
  readonly #width: number;
  readonly #col: Readonly<Record<Column, number>>;
  /** Positions of the debtor columns the file has, for the consistency hashes. */
  readonly #debtorPositions: number[];
  readonly #debtorColumns: Column[];
  readonly #seenDebtors: SeenRecords;
  readonly #debtorHashes: number[];
  readonly #seenInvoices = new SeenRecords(2, INVOICE_FIELDS.length - 2);
  readonly #dates = new Map<string, CachedDate>();
  readonly #currencies = new Map<string, KnownCurrency | null>();
  readonly #invoiceNumbers = [0, 0];
  readonly #invoiceInts = [0, 0, 0, 0, 0];
  /** The date #date last read, as 20260315. */
  #lastDay = 0;

  constructor(settings: RowReaderSettings) {
    this.#settings = settings;
    this.#issues = settings.issues;
    // Empty header cells at the end (a delimiter closing the header line) do not count.
    const header = settings.layout.header;
    let width = header.length;
    while (width > 0 && header[width - 1] === "") width--;
    this.#width = width;
    this.#col = settings.layout.index;
    this.#debtorColumns = DEBTOR_COLUMNS.filter((column) => this.#col[column] !== -1);
    this.#debtorPositions = this.#debtorColumns.map((column) => this.#col[column]);
    // The hash of all debtor columns, then one per column.
    this.#debtorHashes = [0, ...this.#debtorColumns.map(() => 0)];
    this.#seenDebtors = new SeenRecords(0, this.#debtorHashes.length);
  }

  get debtorCount(): number {
    return this.#seenDebtors.size;
  }

  get invoiceCount(): number {
    return this.#seenInvoices.size;
  }

  /** Reads one parsed row that starts on physical line `line`. */
  read(fields: readonly string[], line: number): void {
    if (fields.length !== this.#width && !this.#fieldCountOk(fields, line)) return;
    const col = this.#col;
    const debtorId = cell(fields, col.debtor_id);
    const number = cell(fields, col.invoice_number);
    if (debtorId === "" && number === "" && isBlank(fields)) return;
    this.rows++;
    const issuesBefore = this.#issues.count;
    if (this.#settings.undecodable() !== undefined) this.#checkDecoded(fields, line);

    // Invoice cells.
    if (debtorId === "") this.#issue(line, "debtor_id", "is empty");
    else if (debtorId.length > 200) this.#issue(line, "debtor_id", "is longer than 200 characters");
    if (number === "") this.#issue(line, "invoice_number", "is empty");
    else if (number.length > 200) this.#issue(line, "invoice_number", "is longer than 200 characters");
    const known = this.#currency(fields[col.currency] as string, line);
    const declared = col.status === -1 ? undefined : this.#declaredStatus(fields[col.status] as string, line);
    const dueText = col.amount_due === -1 ? "" : (fields[col.amount_due] as string);
    let total = -1;
    let balance = -1;
    if (known) {
      const amountText = fields[col.amount] as string;
      total = this.#amount(amountText, known, "amount", line);
      // Unpaid and fully paid invoices need no second parse.
      if (dueText === "0") balance = 0;
      else if (dueText === amountText) balance = total;
      else if (dueText.trim() !== "") balance = this.#amount(dueText, known, "amount_due", line);
      else if (total >= 0) balance = declared === "paid" || declared === "void" ? 0 : total;
    }
    const status =
      total >= 0 && balance >= 0 && declared !== null ? this.#status(declared, dueText, total, balance, line) : undefined;
    const issued = this.#date(fields[col.issue_date] as string, "issue_date", line);
    const issuedDay = this.#lastDay;
    const due = this.#date(fields[col.due_date] as string, "due_date", line);
    const dueDay = this.#lastDay;
    // ISO dates compare as text.
    if (issued !== undefined && due !== undefined && due < issued) {
      this.#issue(line, "due_date", `${due} is before the issue date ${issued}`);
    }
    const reference = cell(fields, col.reference);
    if (reference.length > 500) this.#issue(line, "reference", "is longer than 500 characters");
    const invoiceOk = this.#issues.count === issuesBefore;

    // Debtor: checked in full the first time its id is seen, then compared with that first row through
    // one hash of all its columns (and one per column, to name the one that differs).
    let debtor: Debtor | undefined;
    let debtorIndex = -1;
    if (debtorId !== "" && debtorId.length <= 200) {
      const seen = this.#seenDebtors;
      const positions = this.#debtorPositions;
      const combined = hashCells(fields, positions);
      debtorIndex = seen.find(debtorId);
      if (debtorIndex === -1) {
        const hashes = this.#debtorHashes;
        hashes[0] = combined;
        for (let k = 0; k < positions.length; k++) hashes[k + 1] = hashText(fields[positions[k] as number] as string);
        debtorIndex = seen.add(debtorId, line, NO_NUMBERS, hashes);
        debtor = this.#debtor(fields, debtorId, line);
      } else if (!this.#settings.firstDebtorRowWins && seen.intOf(debtorIndex, 0) !== combined) {
        // Cell by cell, spaces around values aside: only a real difference is a problem.
        const differs = positions.findIndex(
          (position, k) => seen.intOf(debtorIndex, k + 1) !== hashText(fields[position] as string),
        );
        if (differs !== -1) {
          const column = this.#debtorColumns[differs] as Column;
          this.#issue(line, column, `debtor ${debtorId} has a different ${column} than on line ${seen.lineOf(debtorIndex)}`);
        }
      }
    }

    let invoice: Invoice | undefined;
    if (invoiceOk && status !== undefined && issued !== undefined && due !== undefined && known !== undefined && known !== null) {
      const numbers = this.#invoiceNumbers;
      numbers[0] = total;
      numbers[1] = balance;
      const ints = this.#invoiceInts;
      ints[0] = debtorIndex;
      ints[1] = issuedDay;
      ints[2] = dueDay;
      // Currency (fewer than 1024 kinds) and status packed in one number.
      ints[3] = (known.id << 2) | (status === "open" ? 0 : status === "paid" ? 1 : 2);
      ints[4] = hashText(reference);
      const seen = this.#seenInvoices;
      const index = seen.find(number);
      if (index === -1) {
        seen.add(number, line, numbers, ints);
        invoice = {
          externalId: number,
          number,
          debtorExternalId: debtorId,
          currency: known.code,
          totalMinor: total,
          balanceMinor: balance,
          issueDate: issued,
          dueDate: due,
          status,
        };
        if (reference !== "") invoice.reference = reference;
      } else {
        const differs = firstDifference(seen, index, numbers, ints);
        if (differs === -1) this.duplicateRows++;
        else {
          let column = INVOICE_FIELDS[differs] as Column;
          if (column === "currency" && seen.intOf(index, 3) >> 2 === (ints[3] as number) >> 2) column = "status";
          this.#issue(
            line,
            column,
            `duplicate invoice number ${number} with a different ${column} (first on line ${seen.lineOf(index)})`,
          );
        }
      }
    }

    if (this.#issues.count > 0) return;
    if (debtor !== undefined) this.debtors.push(debtor);
    if (invoice !== undefined) {
      this.invoices.push(invoice);
      if (this.invoices.length >= this.#settings.batchSize) this.ready.push(this.take());
    }
  }

  finish(): void {}

  /** Hands over the records gathered so far. */
  take(): { debtors: Debtor[]; invoices: Invoice[] } {
    const batch = { debtors: this.debtors, invoices: this.invoices };
    this.debtors = [];
    this.invoices = [];
    return batch;
  }

  #fieldCountOk(fields: readonly string[], line: number): boolean {
    if (isBlank(fields)) return false;
    // Trailing empty cells (a delimiter at the end of each line) are harmless.
    if (fields.length > this.#width && isBlank(fields.slice(this.#width))) return true;
    this.rows++;
    this.#issues.add({
      line,
      message: `has ${fields.length} ${fields.length === 1 ? "field" : "fields"} but the header has ${this.#width}; check the delimiter and the quotes`,
    });
    return false;
  }

  #checkDecoded(fields: readonly string[], line: number): void {
    fields.forEach((field, position) => {
      if (field.includes("\uFFFD")) {
        this.#issues.add({
          line,
          column: this.#settings.layout.header[position] ?? String(position + 1),
          message: `has bytes that are not valid ${this.#settings.undecodable()} text; save the file as CSV UTF-8`,
        });
      }
    });
  }

  /** The currency of a raw cell, cached by the cell's text (a file uses a handful of them). */
  #currency(raw: string, line: number): KnownCurrency | null {
    let known = this.#currencies.get(raw);
    if (known === undefined) {
      const code = raw.trim().toUpperCase();
      known = isCurrency(code) ? { code, id: this.#currencies.size, exponent: currencyExponent(code) } : null;
      if (this.#currencies.size < 1000) this.#currencies.set(raw, known);
    }
    if (known === null) this.#currencyIssue(raw.trim(), line);
    return known;
  }

  #currencyIssue(text: string, line: number): void {
    this.#issue(line, "currency", text === "" ? "is empty" : `"${text}" is not an ISO 4217 currency code such as EUR`);
  }

  #amount(text: string, currency: KnownCurrency, column: Column, line: number): number {
    const result = amountToMinor(text, currency.code, this.#settings.decimalMark, currency.exponent);
    if (typeof result === "number") return result;
    this.#issue(line, column, result);
    return -1;
  }

  /** The cell as "YYYY-MM-DD" (and the same as 20260315 in #lastDay), or undefined with an issue. */
  #date(text: string, column: Column, line: number): string | undefined {
    const day = isoDayNumber(text);
    if (day !== -1) {
      this.#lastDay = day;
      return text;
    }
    let cached = this.#dates.get(text);
    if (cached === undefined) {
      const result = parseDate(text, this.#settings.dateFormat);
      cached = result.ok ? { date: result.date, day: isoDayNumber(result.date) } : { message: result.message };
      if (this.#dates.size >= DATE_CACHE_LIMIT) this.#dates.clear();
      this.#dates.set(text, cached);
    }
    if ("date" in cached) {
      this.#lastDay = cached.day;
      return cached.date;
    }
    this.#issue(line, column, cached.message);
    return undefined;
  }

  /** The status column as written: undefined when empty, null when not a status. */
  #declaredStatus(raw: string, line: number): InvoiceStatus | undefined | null {
    if (raw === "open" || raw === "paid" || raw === "void") return raw;
    const text = raw.trim();
    if (text === "") return undefined;
    const lower = text.toLowerCase();
    if (lower === "open" || lower === "paid" || lower === "void") return lower;
    this.#issue(line, "status", `"${text}" is not a status; use open, paid or void`);
    return null;
  }

  /** The invoice status given the balance; undefined (with an issue) when they contradict each other. */
  #status(
    declared: InvoiceStatus | undefined,
    dueText: string,
    total: number,
    balance: number,
    line: number,
  ): InvoiceStatus | undefined {
    if (balance > total) {
      this.#issue(line, "amount_due", `"${dueText.trim()}" is more than the amount`);
      return undefined;
    }
    if (declared === undefined) return balance === 0 ? "paid" : "open";
    if (declared === "paid" && balance > 0) {
      this.#issue(line, "status", `is paid but amount_due is "${dueText.trim()}"`);
      return undefined;
    }
    if (declared === "open" && balance === 0 && total > 0) {
      this.#issue(line, "status", "is open but amount_due is 0");
      return undefined;
    }
    return declared;
  }

  #debtor(fields: readonly string[], externalId: string, line: number): Debtor {
    const col = this.#col;
    const name = cell(fields, col.debtor_name);
    if (name === "") this.#issue(line, "debtor_name", "is empty");
    else if (name.length > 500) this.#issue(line, "debtor_name", "is longer than 500 characters");
    const debtor: Debtor = { externalId, name, emails: this.#emails(cell(fields, col.debtor_email), line), tags: [] };

    const phone = cell(fields, col.debtor_phone);
    if (phone.length > 50) this.#issue(line, "debtor_phone", "is longer than 50 characters");
    else if (phone !== "") debtor.phone = phone;
    const language = cell(fields, col.debtor_language);
    if (language !== "") {
      if (LANGUAGE.test(language) && language.length <= 20) debtor.language = language.replaceAll("_", "-");
      else this.#issue(line, "debtor_language", `"${language}" is not a language tag such as fr or en-GB`);
    }
    const kind = cell(fields, col.debtor_kind).toLowerCase();
    if (kind === "b2b" || kind === "b2c") debtor.kind = kind;
    else if (kind !== "") this.#issue(line, "debtor_kind", `"${cell(fields, col.debtor_kind)}" is not b2b or b2c`);
    const address = this.#address(fields, line);
    if (address !== undefined) debtor.address = address;
    const tags = cell(fields, col.debtor_tags);
    if (tags !== "") debtor.tags = uniqueParts(tags);
    return debtor;
  }

  #emails(text: string, line: number): string[] {
    if (text === "") return [];
    const emails = uniqueParts(text);
    for (const email of emails) {
      if (!regexes.email.test(email)) this.#issue(line, "debtor_email", `"${email}" is not an email address`);
    }
    return emails;
  }

  #address(fields: readonly string[], line: number): PostalAddress | undefined {
    const col = this.#col;
    const lines = [cell(fields, col.address_line1), cell(fields, col.address_line2)].filter((part) => part !== "");
    const postalCode = cell(fields, col.postal_code);
    const city = cell(fields, col.city);
    const country = cell(fields, col.country);
    if (country !== "" && !COUNTRY.test(country)) {
      this.#issue(line, "country", `"${country}" is not a two-letter country code such as FR`);
    }
    // Without a street line there is nothing to post a letter to: postal code, city and country alone
    // are not kept (FORMAT.md says so).
    if (lines.length === 0) return undefined;
    const address: PostalAddress = { lines };
    if (postalCode !== "") address.postalCode = postalCode;
    if (city !== "") address.city = city;
    if (country !== "") address.country = country.toUpperCase();
    return address;
  }

  #issue(line: number, column: Column, message: string): void {
    const position = this.#col[column];
    this.#issues.add({ line, column: position === -1 ? column : (this.#settings.layout.header[position] ?? column), message });
  }
}

/** The first field (numbers, then ints) where a stored invoice differs from these values, or -1. */
function firstDifference(seen: SeenRecords, index: number, numbers: readonly number[], ints: readonly number[]): number {
  for (let i = 0; i < numbers.length; i++) if (seen.numberOf(index, i) !== numbers[i]) return i;
  for (let i = 0; i < ints.length; i++) if (seen.intOf(index, i) !== ints[i]) return numbers.length + i;
  return -1;
}

function cell(fields: readonly string[], position: number): string {
  if (position < 0) return "";
  const text = fields[position] as string;
  // Most cells start and end with a visible ASCII character: two checks are cheaper than trim().
  const first = text.charCodeAt(0);
  const last = text.charCodeAt(text.length - 1);
  if (first > 0x20 && first < 0x7f && last > 0x20 && last < 0x7f) return text;
  return text.trim();
}

function isBlank(fields: readonly string[]): boolean {
  for (const field of fields) if (field.trim() !== "") return false;
  return true;
}

/** "a@x.fr; b@y.fr," → ["a@x.fr", "b@y.fr"] */
function uniqueParts(text: string): string[] {
  const parts: string[] = [];
  for (const raw of text.split(LIST_SEPARATOR)) {
    const part = raw.trim();
    if (part !== "" && !parts.includes(part)) parts.push(part);
  }
  return parts;
}
