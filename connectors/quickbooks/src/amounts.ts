/**
 * QuickBooks amounts arrive as JSON numbers ("TotalAmt": 150.0). The shortest decimal that reads back
 * as the same double is what Intuit wrote, so the string form is exact up to 15 significant digits;
 * from there the conversion to minor units is string arithmetic, never float arithmetic.
 */
import { type CurrencyCode, currencyExponent, parseDecimalToMinor } from "@relance/core";

/** Rounds a plain decimal string to `places` decimals, half away from zero, without floats. */
export function roundDecimal(text: string, places: number): string {
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text);
  if (!match) throw new RangeError(`"${text}" is not a plain decimal`);
  const [, sign = "", whole = "0", fraction = ""] = match;
  if (fraction.length <= places) return text;
  const kept = `${whole}${fraction.slice(0, places)}`;
  const roundUp = fraction.charCodeAt(places) - 48 >= 5;
  const digits = roundUp ? (BigInt(kept) + 1n).toString().padStart(kept.length, "0") : kept;
  const cut = digits.length - places;
  const result = places === 0 ? digits : `${digits.slice(0, cut)}.${digits.slice(cut)}`;
  return `${sign}${result}`;
}

/** A QuickBooks amount in minor units of `currency`; sub-minor digits (rare, from imports) are rounded. */
export function toMinor(amount: number, currency: CurrencyCode): number {
  if (!Number.isFinite(amount)) throw new RangeError(`amount ${amount} is not finite`);
  const text = String(amount);
  if (/e/i.test(text)) throw new RangeError(`amount ${text} is out of range`);
  return parseDecimalToMinor(roundDecimal(text, currencyExponent(currency)), currency);
}
