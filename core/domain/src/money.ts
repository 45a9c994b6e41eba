/**
 * Money is an integer count of minor units plus an ISO 4217 currency code. Never a float.
 *
 * The exponent table is our own: `Intl.NumberFormat` disagrees with ISO 4217 for some currencies
 * (it formats ISK and some others with decimals the currency no longer has, and vice versa).
 */
import { memoByKey } from "./memo";

export type CurrencyCode = string;

export interface Money {
  readonly amountMinor: number;
  readonly currency: CurrencyCode;
}

/** ISO 4217 minor-unit exponents for active currencies (list "A.1", 2024 edition). */
const EXPONENTS: Readonly<Record<string, number>> = Object.freeze({
  AED: 2,
  AFN: 2,
  ALL: 2,
  AMD: 2,
  ANG: 2,
  AOA: 2,
  ARS: 2,
  AUD: 2,
  AWG: 2,
  AZN: 2,
  BAM: 2,
  BBD: 2,
  BDT: 2,
  BGN: 2,
  BHD: 3,
  BIF: 0,
  BMD: 2,
  BND: 2,
  BOB: 2,
  BRL: 2,
  BSD: 2,
  BTN: 2,
  BWP: 2,
  BYN: 2,
  BZD: 2,
  CAD: 2,
  CDF: 2,
  CHF: 2,
  CLF: 4,
  CLP: 0,
  CNY: 2,
  COP: 2,
  CRC: 2,
  CUP: 2,
  CVE: 2,
  CZK: 2,
  DJF: 0,
  DKK: 2,
  DOP: 2,
  DZD: 2,
  EGP: 2,
  ERN: 2,
  ETB: 2,
  EUR: 2,
  FJD: 2,
  FKP: 2,
  GBP: 2,
  GEL: 2,
  GHS: 2,
  GIP: 2,
  GMD: 2,
  GNF: 0,
  GTQ: 2,
  GYD: 2,
  HKD: 2,
  HNL: 2,
  HTG: 2,
  HUF: 2,
  IDR: 2,
  ILS: 2,
  INR: 2,
  IQD: 3,
  IRR: 2,
  ISK: 0,
  JMD: 2,
  JOD: 3,
  JPY: 0,
  KES: 2,
  KGS: 2,
  KHR: 2,
  KMF: 0,
  KPW: 2,
  KRW: 0,
  KWD: 3,
  KYD: 2,
  KZT: 2,
  LAK: 2,
  LBP: 2,
  LKR: 2,
  LRD: 2,
  LSL: 2,
  LYD: 3,
  MAD: 2,
  MDL: 2,
  MGA: 2,
  MKD: 2,
  MMK: 2,
  MNT: 2,
  MOP: 2,
  MRU: 2,
  MUR: 2,
  MVR: 2,
  MWK: 2,
  MXN: 2,
  MYR: 2,
  MZN: 2,
  NAD: 2,
  NGN: 2,
  NIO: 2,
  NOK: 2,
  NPR: 2,
  NZD: 2,
  OMR: 3,
  PAB: 2,
  PEN: 2,
  PGK: 2,
  PHP: 2,
  PKR: 2,
  PLN: 2,
  PYG: 0,
  QAR: 2,
  RON: 2,
  RSD: 2,
  RUB: 2,
  RWF: 0,
  SAR: 2,
  SBD: 2,
  SCR: 2,
  SDG: 2,
  SEK: 2,
  SGD: 2,
  SHP: 2,
  SLE: 2,
  SOS: 2,
  SRD: 2,
  SSP: 2,
  STN: 2,
  SVC: 2,
  SYP: 2,
  SZL: 2,
  THB: 2,
  TJS: 2,
  TMT: 2,
  TND: 3,
  TOP: 2,
  TRY: 2,
  TTD: 2,
  TWD: 2,
  TZS: 2,
  UAH: 2,
  UGX: 0,
  USD: 2,
  UYI: 0,
  UYU: 2,
  UYW: 4,
  UZS: 2,
  VED: 2,
  VES: 2,
  VND: 0,
  VUV: 0,
  WST: 2,
  XAF: 0,
  XCD: 2,
  XCG: 2,
  XOF: 0,
  XPF: 0,
  YER: 2,
  ZAR: 2,
  ZMW: 2,
  ZWG: 2,
});

export function isCurrency(code: string): boolean {
  return Object.hasOwn(EXPONENTS, code);
}

export function currencyExponent(code: CurrencyCode): number {
  const exponent = EXPONENTS[code];
  if (exponent === undefined) throw new RangeError(`unknown ISO 4217 currency "${code}"`);
  return exponent;
}

export function money(amountMinor: number, currency: CurrencyCode): Money {
  if (!Number.isSafeInteger(amountMinor)) {
    throw new RangeError(`amount must be a safe integer of minor units, got ${amountMinor}`);
  }
  currencyExponent(currency);
  return { amountMinor, currency };
}

/**
 * Parses a plain decimal string ("1234.5", "-0.07", "12") into minor units of `currency`, exactly,
 * with no float arithmetic. More decimals than the currency has is an error, not a rounding.
 * Locale-specific forms (decimal comma, thousands separators) are normalised by the caller.
 */
export function parseDecimalToMinor(text: string, currency: CurrencyCode): number {
  const exponent = currencyExponent(currency);
  const match = /^([+-]?)(\d+)(?:\.(\d+))?$/.exec(text);
  if (!match) throw new RangeError(`"${text}" is not a decimal number`);
  const [, sign, whole, fraction = ""] = match;
  if (fraction.length > exponent) {
    throw new RangeError(
      exponent === 0
        ? `${currency} has no minor unit, "${text}" has decimals`
        : `${currency} has ${exponent} decimals, "${text}" has ${fraction.length}`,
    );
  }
  const digits = `${whole}${fraction.padEnd(exponent, "0")}`.replace(/^0+(?=\d)/, "");
  const value = Number(digits);
  if (!Number.isSafeInteger(value)) throw new RangeError(`"${text}" is too large`);
  return sign === "-" ? -value : value;
}

/** Minor units back to a plain decimal string: formatMinor(123450, "EUR") === "1234.50". */
export function formatMinor(amountMinor: number, currency: CurrencyCode): string {
  const exponent = currencyExponent(currency);
  const negative = amountMinor < 0;
  const digits = String(Math.abs(amountMinor)).padStart(exponent + 1, "0");
  const whole = exponent === 0 ? digits : digits.slice(0, -exponent);
  const fraction = exponent === 0 ? "" : `.${digits.slice(-exponent)}`;
  return `${negative ? "-" : ""}${whole}${fraction}`;
}

/** One formatter per locale and currency: building one costs far more than using it. */
const currencyFormat = memoByKey((key) => {
  const [locale, currency] = key.split("\u0000") as [string, CurrencyCode];
  const exponent = currencyExponent(currency);
  return new Intl.NumberFormat(locale, {
    style: "currency",
    currency,
    minimumFractionDigits: exponent,
    maximumFractionDigits: exponent,
  });
});

/** Human display in a locale, keeping our exponent (Intl is only asked for separators and symbol). */
export function formatMoney(value: Money, locale = "en"): string {
  const format = currencyFormat(`${locale}\u0000${value.currency}`);
  // Intl takes a decimal string exactly (no float rounding) since ES2023.
  return format.format(formatMinor(value.amountMinor, value.currency) as unknown as number);
}

function sameCurrency(a: Money, b: Money): void {
  if (a.currency !== b.currency) {
    throw new RangeError(`cannot combine ${a.currency} and ${b.currency}`);
  }
}

export function addMoney(a: Money, b: Money): Money {
  sameCurrency(a, b);
  return money(a.amountMinor + b.amountMinor, a.currency);
}

export function subtractMoney(a: Money, b: Money): Money {
  sameCurrency(a, b);
  return money(a.amountMinor - b.amountMinor, a.currency);
}

/** Sums amounts per currency; the result lists each currency once, in first-seen order. */
export function totalsByCurrency(values: Iterable<Money>): Money[] {
  const totals = new Map<string, number>();
  for (const value of values) {
    totals.set(value.currency, (totals.get(value.currency) ?? 0) + value.amountMinor);
  }
  return [...totals].map(([currency, amountMinor]) => money(amountMinor, currency));
}
