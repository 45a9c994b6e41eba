/**
 * Amount cells to integer minor units, exactly (no floats): locale forms are normalised to a plain
 * decimal string and handed to the core's `parseDecimalToMinor`.
 */
import { currencyExponent, isCurrency, parseDecimalToMinor } from "@relance/core";
import type { DecimalMark } from "./options";

export type AmountResult = { readonly ok: true; readonly minor: number } | { readonly ok: false; readonly message: string };

/** Symbols tolerated next to an amount, and the currencies each may stand for. ISO codes are always accepted. */
const SYMBOLS: Readonly<Record<string, readonly string[]>> = {
  "€": ["EUR"],
  "£": ["GBP"],
  $: ["USD", "CAD", "AUD", "NZD", "SGD", "HKD", "MXN"],
  US$: ["USD"],
  C$: ["CAD"],
  A$: ["AUD"],
  "¥": ["JPY", "CNY"],
  "₹": ["INR"],
  "₩": ["KRW"],
  "₺": ["TRY"],
  "₪": ["ILS"],
  "₽": ["RUB"],
  FR: ["CHF"],
  KR: ["SEK", "NOK", "DKK", "ISK"],
  ZŁ: ["PLN"],
  R$: ["BRL"],
};

const PLAIN_DOT = /^\d+(?:\.\d+)?$/;
const PLAIN_COMMA = /^\d+(?:,\d+)?$/;
/**
 * ( sign symbol sign digits-and-separators symbol sign ). `\s` covers U+00A0 and U+202F.
 * Deliberately loose: what it lets through is checked piece by piece below.
 */
const SHAPE =
  /^(\()?\s*([-−+])?\s*([^\d\s.,'()+\-−]+)?\s*([-−+])?\s*([\d.,'\s]*\d[\d.,'\s]*|[.,]\d+)\s*([^\d\s.,'()+\-−]+)?\s*([-−])?\s*(\))?$/u;
const GROUP_SEPARATORS = /[\s.,']/;

/**
 * Which decimal separator a cell shows unambiguously, or undefined. "1,234" (one separator, three
 * digits after it) and "1.234.567" could be either, so they say nothing.
 */
export function decimalMarkOf(text: string): DecimalMark | undefined {
  const dot = text.lastIndexOf(".");
  const comma = text.lastIndexOf(",");
  if (dot !== -1 && comma !== -1) return dot > comma ? "." : ",";
  const at = dot === -1 ? comma : dot;
  if (at === -1) return undefined;
  const mark = text[at] as DecimalMark;
  if (text.indexOf(mark) !== at) return undefined;
  const digitsAfter = /^\d*/.exec(text.slice(at + 1))?.[0].length ?? 0;
  return digitsAfter === 3 ? undefined : mark;
}

/**
 * Parses a non-negative amount in `currency` (a known ISO code). `mark` is the file's decimal separator;
 * the other of "." and "," is then a thousands separator, as are spaces (also U+00A0 and U+202F) and "'".
 */
export function parseAmount(text: string, currency: string, mark: DecimalMark): AmountResult {
  const result = amountToMinor(text, currency, mark);
  return typeof result === "number" ? { ok: true, minor: result } : { ok: false, message: result };
}

/** `parseAmount` for the hot path: minor units, or the problem as a message (nothing allocated on success). */
export function amountToMinor(
  text: string,
  currency: string,
  mark: DecimalMark,
  exponent = currencyExponent(currency),
): number | string {
  const first = text.charCodeAt(0);
  const last = text.charCodeAt(text.length - 1);
  // Most cells start and end with a digit: nothing to trim.
  const trimmed = first >= 0x30 && first <= 0x39 && last >= 0x30 && last <= 0x39 ? text : text.trim();
  if (trimmed === "") return "is empty";
  // Fast paths for the common plain forms ("1234", "1234.5" or "1234,5" as the file writes decimals).
  const plain = plainToMinor(trimmed, mark === "." ? DOT : COMMA, exponent);
  if (plain >= 0) return plain;
  if (mark === "." ? PLAIN_DOT.test(trimmed) : PLAIN_COMMA.test(trimmed)) {
    return toMinor(mark === "." ? trimmed : trimmed.replace(",", "."), trimmed, currency);
  }

  const shape = SHAPE.exec(trimmed);
  if (!shape) return notANumber(trimmed);
  const [, open, sign1, prefix, sign2, core = "", suffix, sign3, close] = shape;
  if ((open === undefined) !== (close === undefined)) return notANumber(trimmed);
  if (open !== undefined || isMinus(sign1) || isMinus(sign2) || isMinus(sign3)) {
    return `"${trimmed}" is negative; amounts must be positive (record a credit note instead)`;
  }
  if (prefix !== undefined && suffix !== undefined) return notANumber(trimmed);
  const symbol = prefix ?? suffix;
  if (symbol !== undefined && !isKnownSymbol(symbol)) return notANumber(trimmed);
  if (symbol !== undefined && !symbolMatches(symbol, currency)) {
    return `"${trimmed}" carries "${symbol}", which does not match the row's currency ${currency}`;
  }

  const number = core.replace(/\s+$/u, "");
  const seen = decimalMarkOf(number);
  if (seen !== undefined && seen !== mark) {
    return `"${trimmed}" uses "${seen}" as decimal separator but this file uses "${mark}"; set decimalSeparator if the file mixes them`;
  }
  const at = number.lastIndexOf(mark);
  const whole = at === -1 ? number : number.slice(0, at);
  const fraction = at === -1 ? "" : number.slice(at + 1);
  if (at !== -1 && !/^\d+$/.test(fraction)) return notANumber(trimmed);
  // "1.234.567" with "." as decimal separator: dots cannot be both.
  if (whole.includes(mark)) return notANumber(trimmed);
  const digits = wholeDigits(whole);
  if (digits === undefined) return notANumber(trimmed);
  return toMinor(fraction === "" ? digits : `${digits}.${fraction}`, trimmed, currency);
}

/** "1 234 567" → "1234567"; groups after the first must have three digits and one separator kind is used. */
function wholeDigits(whole: string): string | undefined {
  if (whole === "") return "0";
  if (/^\d+$/.test(whole)) return whole;
  const separator = GROUP_SEPARATORS.exec(whole)?.[0];
  if (separator === undefined) return undefined;
  const groups = whole.split(/\s/u.test(separator) ? /\s/u : separator);
  const [first, ...rest] = groups;
  if (first === undefined || !/^\d{1,3}$/.test(first)) return undefined;
  for (const group of rest) if (!/^\d{3}$/.test(group)) return undefined;
  return groups.join("");
}

const DOT = 0x2e;
const COMMA = 0x2c;
const POWERS_OF_TEN = [1, 10, 100, 1000, 10_000, 100_000];

/**
 * Digits with at most one decimal mark and no more decimals than `exponent`, converted in integer
 * arithmetic, exactly as parseDecimalToMinor does (a test checks they agree); -1 for anything else
 * (other forms, more decimals, or 16 significant digits and more), which takes the general path.
 * parseDecimalToMinor's regex, padding and string building cost more than the rest of a row's checks.
 */
export function plainToMinor(text: string, mark: number, exponent: number): number {
  let value = 0;
  let significant = 0;
  let decimals = -1;
  const length = text.length;
  if (length === 0 || exponent >= POWERS_OF_TEN.length) return -1;
  for (let i = 0; i < length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0x30 && code <= 0x39) {
      if (decimals >= 0 && ++decimals > exponent) return -1;
      if (value !== 0 || code !== 0x30) significant++;
      value = value * 10 + (code - 0x30);
    } else if (code === mark && decimals === -1 && i > 0 && i < length - 1) {
      decimals = 0;
    } else {
      return -1;
    }
  }
  const scale = exponent - Math.max(decimals, 0);
  // Below 10^15 every step above and the scaling are exact in a double.
  if (significant + scale > 15) return -1;
  return value * (POWERS_OF_TEN[scale] as number);
}

function toMinor(decimal: string, original: string, currency: string): number | string {
  try {
    return parseDecimalToMinor(decimal, currency);
  } catch {
    // Work out which rule failed only now, off the hot path.
    const exponent = currencyExponent(currency);
    const dot = decimal.indexOf(".");
    const decimals = dot === -1 ? 0 : decimal.length - dot - 1;
    if (decimals <= exponent) return `"${original}" is too large`;
    return exponent === 0
      ? `"${original}" has decimals but ${currency} has no minor unit`
      : `"${original}" has ${decimals} decimals but ${currency} has ${exponent}`;
  }
}

function isKnownSymbol(symbol: string): boolean {
  const upper = symbol.toUpperCase();
  return isCurrency(upper) || Object.hasOwn(SYMBOLS, upper);
}

function symbolMatches(symbol: string, currency: string): boolean {
  const upper = symbol.toUpperCase();
  return upper === currency || (SYMBOLS[upper]?.includes(currency) ?? false);
}

function isMinus(sign: string | undefined): boolean {
  return sign === "-" || sign === "−";
}

function notANumber(text: string): string {
  return `"${text}" is not an amount`;
}
