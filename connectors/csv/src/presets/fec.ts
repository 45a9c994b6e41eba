/**
 * French FEC (Fichier des Écritures Comptables, article A47 A-1 of the Livre des procédures fiscales):
 * the whole general ledger, one line per entry line. Open receivables are the customer-account lines
 * (CompteNum starting with 411 by default) not yet lettered, grouped by customer account and document
 * (CompAuxNum + PieceRef). A document's lines can be anywhere in the file (the invoice in the sales
 * journal, a payment in the bank journal), so documents are aggregated in typed arrays while the file
 * streams and the records are built once it has ended. See FORMAT.md, "FEC".
 */
import { addDays, currencyExponent, type Debtor, type Invoice, type Issue, isCurrency } from "@relance/core";
import { isoDayNumber, parseDate } from "../dates";
import type { IssueLog } from "../issues";
import { amountToMinor } from "../numbers";
import type { DecimalMark, ResolvedOptions } from "../options";
import { SeenRecords } from "../seen";
import type { LedgerBatch, PresetSetup, ReaderContext, RecordReader } from "./reader";

export const FEC_COLUMNS = [
  "JournalCode",
  "JournalLib",
  "EcritureNum",
  "EcritureDate",
  "CompteNum",
  "CompteLib",
  "CompAuxNum",
  "CompAuxLib",
  "PieceRef",
  "PieceDate",
  "EcritureLib",
  "Debit",
  "Credit",
  "EcritureLet",
  "DateLet",
  "ValidDate",
  "Montantdevise",
  "Idevise",
] as const;

type FecColumn = (typeof FEC_COLUMNS)[number] | "Montant" | "Sens";

/** "Montant Devise", "montantdevise", "MontantDevise" → "montantdevise". */
function fecKey(name: string): string {
  return name
    .normalize("NFD")
    .replace(/[^A-Za-z0-9]/g, "")
    .toLowerCase();
}

const KEYS = new Map<string, FecColumn>([...FEC_COLUMNS, "Montant", "Sens"].map((name) => [fecKey(name), name as FecColumn]));

/** At least six of the FEC's column names: a FEC, possibly with a broken header. */
export function looksLikeFec(header: readonly string[]): boolean {
  let count = 0;
  for (const name of header) if (KEYS.has(fecKey(name))) count++;
  return count >= 6;
}

const MAX_ID = 200;
const MAX_NAME = 500;
/** Piece numbers (minor units): all lines' debits and credits, the unlettered ones, the same in the foreign currency, the balance. */
const DEBIT = 0;
const CREDIT = 1;
const OPEN_DEBIT = 2;
const OPEN_CREDIT = 3;
const FX = 4;
const BALANCE = 8;
const PIECE_NUMBERS = 9;
/** Piece ints: debtor index, earliest date (20260315), currency state. */
const DEBTOR = 0;
const DAY = 1;
const CURRENCY = 2;
const NO_CURRENCY_YET = -1;
const MIXED = -2;
const BASE = -3;

interface FecSettings {
  readonly positions: Readonly<Record<FecColumn, number>>;
  readonly header: readonly string[];
  readonly width: number;
  readonly prefixes: readonly string[];
  readonly baseCurrency: string;
  readonly termDays: number;
}

export function fecSetup(header: readonly string[], line: number, options: ResolvedOptions): PresetSetup | Issue[] {
  const positions = Object.fromEntries([...KEYS.values()].map((name) => [name, -1])) as Record<FecColumn, number>;
  const issues: Issue[] = [];
  header.forEach((name, position) => {
    const column = KEYS.get(fecKey(name));
    if (column === undefined) return;
    if (positions[column] !== -1) issues.push({ line, column: name.trim(), message: `the header has column ${column} twice` });
    else positions[column] = position;
  });
  const signed = positions.Montant !== -1 && positions.Sens !== -1 && positions.Debit === -1 && positions.Credit === -1;
  for (const column of FEC_COLUMNS) {
    if (positions[column] !== -1 || (signed && (column === "Debit" || column === "Credit"))) continue;
    issues.push({
      line,
      column,
      message: `the FEC header has no ${column} column; a FEC has the 18 columns of article A47 A-1 (${FEC_COLUMNS.join(", ")}), separated by | or a tab`,
    });
  }
  if (issues.length > 0) return issues;
  let width = header.length;
  while (width > 0 && (header[width - 1] ?? "").trim() === "") width--;
  const settings: FecSettings = {
    positions,
    header: header.map((name) => name.trim()),
    width,
    prefixes: options.customerAccounts,
    baseCurrency: options.currency ?? "EUR",
    termDays: options.defaultPaymentTermDays,
  };
  return {
    preset: "fec",
    amountPositions: signed ? [positions.Montant] : [positions.Debit, positions.Credit],
    defaultMark: ",",
    ignored: [],
    create: (context) => new FecReader(settings, context),
  };
}

type Parsed<T> = { readonly value: T } | { readonly message: string };

class FecReader implements RecordReader {
  readonly ready: LedgerBatch[] = [];
  rows = 0;
  skippedRows = 0;
  readonly duplicateRows = 0;
  invoiceCount = 0;

  readonly #settings: FecSettings;
  readonly #issues: IssueLog;
  readonly #mark: DecimalMark;
  readonly #batchSize: number;
  readonly #undecodable: () => string | undefined;
  readonly #debtors = new SeenRecords(0, 0);
  readonly #names: string[] = [];
  readonly #pieces = new SeenRecords(PIECE_NUMBERS, 3);
  readonly #currencies: string[] = [];
  readonly #numbers = new Array<number>(PIECE_NUMBERS).fill(0);
  readonly #ints = [0, 0, 0];
  #debtorsOut: Debtor[] = [];
  #invoicesOut: Invoice[] = [];

  constructor(settings: FecSettings, context: ReaderContext) {
    this.#settings = settings;
    this.#issues = context.issues;
    this.#mark = context.decimalMark;
    this.#batchSize = context.batchSize;
    this.#undecodable = context.undecodable;
  }

  get debtorCount(): number {
    return this.#debtors.size;
  }

  take(): LedgerBatch {
    const batch = { debtors: this.#debtorsOut, invoices: this.#invoicesOut };
    this.#debtorsOut = [];
    this.#invoicesOut = [];
    return batch;
  }

  read(fields: readonly string[], line: number): void {
    const { positions: at, width } = this.#settings;
    if (fields.every((field) => field.trim() === "")) return;
    this.rows++;
    if (fields.length !== width && !(fields.length > width && fields.slice(width).every((field) => field.trim() === ""))) {
      this.#issues.add({
        line,
        message: `has ${fields.length} ${fields.length === 1 ? "field" : "fields"} but the header has ${width}; check the delimiter (| or tab)`,
      });
      return;
    }
    const account = cell(fields, at.CompteNum);
    if (!this.#settings.prefixes.some((prefix) => account.startsWith(prefix))) {
      this.skippedRows++;
      return;
    }
    if (this.#undecodable() !== undefined) this.#checkDecoded(fields, line);

    const aux = cell(fields, at.CompAuxNum);
    const debtorId = aux === "" ? account : aux;
    const name = cell(fields, aux === "" ? at.CompteLib : at.CompAuxLib) || debtorId;
    if (debtorId.length > MAX_ID)
      this.#issue(line, aux === "" ? "CompteNum" : "CompAuxNum", `is longer than ${MAX_ID} characters`);
    if (name.length > MAX_NAME)
      this.#issue(line, aux === "" ? "CompteLib" : "CompAuxLib", `is longer than ${MAX_NAME} characters`);
    const piece = cell(fields, at.PieceRef);
    if (piece === "") this.#issue(line, "PieceRef", "is empty: a customer-account line needs its document reference");
    else if (piece.length > MAX_ID) this.#issue(line, "PieceRef", `is longer than ${MAX_ID} characters`);

    const entryDay = this.#day(fields, "EcritureDate", line, true);
    const pieceDay = this.#day(fields, "PieceDate", line, false);
    const [debit, credit] = this.#amounts(fields, line);
    const fx = this.#foreign(fields, line);
    if (this.#issues.count > 0) return;

    let debtor = this.#debtors.find(debtorId);
    if (debtor === -1) {
      debtor = this.#debtors.add(debtorId, line, [], []);
      this.#names.push(name);
    }
    const lettered = cell(fields, at.EcritureLet) !== "";
    const day = pieceDay > 0 ? pieceDay : entryDay;
    const pieces = this.#pieces;
    const key = `${debtor}:${piece}`;
    let index = pieces.find(key);
    if (index === -1) {
      const numbers = this.#numbers.fill(0);
      const ints = this.#ints;
      ints[DEBTOR] = debtor;
      ints[DAY] = day;
      ints[CURRENCY] = NO_CURRENCY_YET;
      index = pieces.add(key, line, numbers, ints);
    }
    const add = (field: number, amount: number) => pieces.setNumber(index, field, pieces.numberOf(index, field) + amount);
    add(DEBIT, debit);
    add(CREDIT, credit);
    if (!lettered) {
      add(OPEN_DEBIT, debit);
      add(OPEN_CREDIT, credit);
    }
    if (day < pieces.intOf(index, DAY)) pieces.setInt(index, DAY, day);
    const state = pieces.intOf(index, CURRENCY);
    const lineCurrency = fx === undefined ? BASE : fx.currency;
    if (state === NO_CURRENCY_YET) pieces.setInt(index, CURRENCY, lineCurrency);
    else if (state !== lineCurrency) pieces.setInt(index, CURRENCY, MIXED);
    if (fx !== undefined) {
      const side = debit >= credit ? 0 : 1;
      add(FX + side, fx.amount);
      if (!lettered) add(FX + 2 + side, fx.amount);
    }
  }

  finish(): void {
    if (this.#issues.count > 0) return;
    const pieces = this.#pieces;
    const credits = new Map<string, number>();
    // Balances before unallocated credits, and what each customer has in credit, per currency.
    for (let index = 0; index < pieces.size; index++) {
      const fx = pieces.intOf(index, CURRENCY) >= 0 ? FX : 0;
      const total = pieces.numberOf(index, fx + DEBIT);
      const open = pieces.numberOf(index, fx + OPEN_DEBIT) - pieces.numberOf(index, fx + OPEN_CREDIT);
      pieces.setNumber(index, BALANCE, total > 0 ? Math.min(Math.max(open, 0), total) : 0);
      if (open < 0) {
        const key = this.#poolKey(index);
        credits.set(key, (credits.get(key) ?? 0) - open);
      }
    }
    if (credits.size > 0) this.#applyCredits(credits);

    const owners = new SeenRecords(0, 1);
    for (let index = 0; index < pieces.size; index++) {
      if (!this.#isInvoice(index)) continue;
      const ref = this.#pieceRef(index);
      const debtor = pieces.intOf(index, DEBTOR);
      const owner = owners.find(ref);
      if (owner === -1) owners.add(ref, 0, [], [debtor]);
      else if (owners.intOf(owner, 0) !== debtor) owners.setInt(owner, 0, -1);
    }

    const emitted = new Uint8Array(this.#debtors.size);
    for (let index = 0; index < pieces.size; index++) {
      if (!this.#isInvoice(index)) continue;
      const debtor = pieces.intOf(index, DEBTOR);
      const debtorId = this.#debtors.keyOf(debtor);
      const ref = this.#pieceRef(index);
      // A reference shared by several customers (opening entries "AN", a bank statement) is not an id.
      const shared = owners.intOf(owners.find(ref), 0) === -1;
      const externalId = shared ? `${ref}/${debtorId}` : ref;
      if (externalId.length > MAX_ID) {
        this.#issues.add({
          line: pieces.lineOf(index),
          column: "PieceRef",
          message: `${ref} is used by several customer accounts and is too long to be combined with the account ${debtorId}`,
        });
        continue;
      }
      if (emitted[debtor] === 0) {
        emitted[debtor] = 1;
        this.#debtorsOut.push({ externalId: debtorId, name: this.#names[debtor] as string, emails: [], tags: [] });
      }
      const state = pieces.intOf(index, CURRENCY);
      const fx = state >= 0 ? FX : 0;
      const day = pieces.intOf(index, DAY);
      const issueDate = `${Math.floor(day / 10000)}-${pad(Math.floor(day / 100) % 100)}-${pad(day % 100)}`;
      const balance = pieces.numberOf(index, BALANCE);
      this.#invoicesOut.push({
        externalId,
        number: ref,
        debtorExternalId: debtorId,
        currency: state >= 0 ? (this.#currencies[state] as string) : this.#settings.baseCurrency,
        totalMinor: pieces.numberOf(index, fx + DEBIT),
        balanceMinor: balance,
        issueDate,
        dueDate: addDays(issueDate, this.#settings.termDays),
        status: balance > 0 ? "open" : "paid",
      });
      this.invoiceCount++;
      if (this.#invoicesOut.length >= this.#batchSize) this.ready.push(this.take());
    }
    if (this.#issues.count > 0) this.ready.length = 0;
  }

  /** Unallocated credits (credit notes, payments not lettered) reduce the customer's oldest open documents first. */
  #applyCredits(credits: Map<string, number>): void {
    const pieces = this.#pieces;
    const owing: number[] = [];
    for (let index = 0; index < pieces.size; index++) {
      if (pieces.numberOf(index, BALANCE) > 0 && credits.has(this.#poolKey(index))) owing.push(index);
    }
    owing.sort((a, b) => pieces.intOf(a, DAY) - pieces.intOf(b, DAY) || a - b);
    for (const index of owing) {
      const key = this.#poolKey(index);
      const credit = credits.get(key) ?? 0;
      if (credit === 0) continue;
      const balance = pieces.numberOf(index, BALANCE);
      const used = Math.min(balance, credit);
      pieces.setNumber(index, BALANCE, balance - used);
      credits.set(key, credit - used);
    }
  }

  #poolKey(index: number): string {
    const state = this.#pieces.intOf(index, CURRENCY);
    return `${this.#pieces.intOf(index, DEBTOR)}:${state >= 0 ? state : BASE}`;
  }

  /** Documents that debit the customer; pure credits (credit notes, payments) only feed the credit pool. */
  #isInvoice(index: number): boolean {
    const fx = this.#pieces.intOf(index, CURRENCY) >= 0 ? FX : 0;
    return this.#pieces.numberOf(index, fx + DEBIT) > 0;
  }

  #pieceRef(index: number): string {
    const key = this.#pieces.keyOf(index);
    return key.slice(key.indexOf(":") + 1);
  }

  /** A date cell as 20260315; 0 when empty and optional; -1 with an issue. */
  #day(fields: readonly string[], column: FecColumn, line: number, required: boolean): number {
    const text = cell(fields, this.#settings.positions[column]);
    if (text === "") {
      if (required) this.#issue(line, column, "is empty");
      return required ? -1 : 0;
    }
    const compact = /^(\d{4})(\d{2})(\d{2})$/.exec(text);
    const iso = compact ? `${compact[1]}-${compact[2]}-${compact[3]}` : undefined;
    const day = iso === undefined ? parseDate(text, "dmy") : { ok: isoDayNumber(iso) !== -1, date: iso };
    if (day.ok && "date" in day) return isoDayNumber(day.date);
    this.#issue(line, column, `"${text}" is not a date; expected YYYYMMDD`);
    return -1;
  }

  /** Debit and credit of the line in minor units of the base currency (both non-negative). */
  #amounts(fields: readonly string[], line: number): [number, number] {
    const at = this.#settings.positions;
    const currency = this.#settings.baseCurrency;
    if (at.Debit === -1) {
      const amount = this.#amount(fields, "Montant", currency, line);
      const sens = cell(fields, at.Sens).toUpperCase();
      const isDebit = sens === "D" || sens === "+1" || sens === "1";
      if (!isDebit && sens !== "C" && sens !== "-1") this.#issue(line, "Sens", `"${sens}" is not D or C`);
      return positive(isDebit ? amount : -amount);
    }
    const debit = this.#amount(fields, "Debit", currency, line);
    const credit = this.#amount(fields, "Credit", currency, line);
    // A negative debit (a reversal written in the same column) is a credit, and the other way round.
    const [d1, c1] = positive(debit);
    const [d2, c2] = positive(-credit);
    return [d1 + d2, c1 + c2];
  }

  /** The line's amount in its own currency when Idevise names another one than the base currency. */
  #foreign(fields: readonly string[], line: number): { currency: number; amount: number } | undefined {
    const at = this.#settings.positions;
    const code = cell(fields, at.Idevise).toUpperCase();
    if (code === "" || code === this.#settings.baseCurrency) return undefined;
    if (!isCurrency(code)) {
      this.#issue(line, "Idevise", `"${code}" is not an ISO 4217 currency code such as USD`);
      return undefined;
    }
    const amount = Math.abs(this.#amount(fields, "Montantdevise", code, line));
    if (amount === 0) return undefined;
    let currency = this.#currencies.indexOf(code);
    if (currency === -1) currency = this.#currencies.push(code) - 1;
    return { currency, amount };
  }

  /** A signed amount cell in minor units; 0 when empty. */
  #amount(fields: readonly string[], column: FecColumn, currency: string, line: number): number {
    const parsed = fecAmount(cell(fields, this.#settings.positions[column]), currency, this.#mark);
    if ("value" in parsed) return parsed.value;
    this.#issue(line, column, parsed.message);
    return 0;
  }

  #checkDecoded(fields: readonly string[], line: number): void {
    fields.forEach((field, position) => {
      if (field.includes("\uFFFD")) {
        this.#issues.add({
          line,
          column: this.#settings.header[position] ?? String(position + 1),
          message: `has bytes that are not valid ${this.#undecodable()} text; export the FEC in UTF-8 or ISO-8859-15`,
        });
      }
    });
  }

  #issue(line: number, column: FecColumn, message: string): void {
    const position = this.#settings.positions[column];
    this.#issues.add({ line, column: this.#settings.header[position] ?? column, message });
  }
}

/**
 * FEC amounts: "1234,56", " 000000001234,56" (zero-padded, as the decree allows), "-50,00"; empty is 0.
 * Zeros after the currency's decimals are dropped ("1000,00" in JPY).
 */
export function fecAmount(text: string, currency: string, mark: DecimalMark): Parsed<number> {
  let rest = text.trim();
  if (rest === "") return { value: 0 };
  let sign = 1;
  if (rest.startsWith("-") || rest.startsWith("−")) {
    sign = -1;
    rest = rest.slice(1).trim();
  } else if (rest.startsWith("+")) rest = rest.slice(1).trim();
  const exponent = currencyExponent(currency);
  const decimals = new RegExp(`^(\\d+)\\${mark}(\\d{${exponent}})0+$`).exec(rest);
  if (decimals) rest = exponent === 0 ? (decimals[1] as string) : `${decimals[1]}${mark}${decimals[2]}`;
  const result = amountToMinor(rest, currency, mark, exponent);
  if (typeof result === "string") return { message: result.replace(/^is empty$/, `"${text.trim()}" is not an amount`) };
  return { value: sign * result };
}

function positive(amount: number): [number, number] {
  return amount >= 0 ? [amount, 0] : [0, -amount];
}

function cell(fields: readonly string[], position: number): string {
  return position < 0 ? "" : (fields[position] ?? "").trim();
}

function pad(value: number): string {
  return String(value).padStart(2, "0");
}
