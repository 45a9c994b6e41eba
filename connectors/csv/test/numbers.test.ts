import { currencyExponent, parseDecimalToMinor } from "@relance/core";
import { describe, expect, it } from "vitest";
import { decimalMarkOf, parseAmount, plainToMinor } from "../src/numbers";

const ok = (minor: number) => ({ ok: true, minor });

describe("parseAmount with a decimal point", () => {
  it.each([
    ["1234.56", "EUR", 123456],
    ["0.5", "EUR", 50],
    [".5", "EUR", 50],
    ["12", "EUR", 1200],
    ["007.10", "EUR", 710],
    ["  42.00  ", "EUR", 4200],
    ["1,234.56", "EUR", 123456],
    ["1,234,567.89", "USD", 123456789],
    ["1,234", "EUR", 123400],
    ["1 234.56", "EUR", 123456],
    ["1\u00a0234.56", "EUR", 123456],
    ["1\u202f234.56", "EUR", 123456],
    ["1'234.56", "CHF", 123456],
    ["+12.5", "EUR", 1250],
    ["120000", "JPY", 120000],
    ["1,200", "JPY", 1200],
    ["1.234", "KWD", 1234],
    ["0.0001", "CLF", 1],
    ["9007199254740991", "JPY", 9007199254740991],
  ])("%j %s → %d minor units", (text, currency, minor) => {
    expect(parseAmount(text, currency, ".")).toEqual(ok(minor));
  });

  it.each([
    ["€12.50", "EUR", 1250],
    ["12.50 €", "EUR", 1250],
    ["EUR 12.50", "EUR", 1250],
    ["12.50EUR", "EUR", 1250],
    ["eur 12.50", "EUR", 1250],
    ["$1,234.56", "USD", 123456],
    ["$ 10", "CAD", 1000],
    ["US$10", "USD", 1000],
    ["£9.99", "GBP", 999],
    ["¥1,000", "JPY", 1000],
    ["CHF 1'250.00", "CHF", 125000],
  ])("tolerates the currency around it: %j %s", (text, currency, minor) => {
    expect(parseAmount(text, currency, ".")).toEqual(ok(minor));
  });
});

describe("parseAmount with a decimal comma", () => {
  it.each([
    ["1234,56", "EUR", 123456],
    ["1 234,56", "EUR", 123456],
    ["1\u202f234\u202f567,89", "EUR", 123456789],
    ["1\u00a0234,5 €", "EUR", 123450],
    ["1.234,56", "EUR", 123456],
    ["1.234", "EUR", 123400],
    ["1.234.567", "EUR", 123456700],
    ["1,234", "KWD", 1234],
    ["0,5", "EUR", 50],
    ["12", "EUR", 1200],
  ])("%j %s → %d minor units", (text, currency, minor) => {
    expect(parseAmount(text, currency, ",")).toEqual(ok(minor));
  });
});

describe("parseAmount refuses", () => {
  it.each([
    ["", ".", "EUR", "is empty"],
    ["   ", ".", "EUR", "is empty"],
    ["douze", ".", "EUR", '"douze" is not an amount'],
    ["1e5", ".", "EUR", '"1e5" is not an amount'],
    ["12.", ".", "EUR", '"12." is not an amount'],
    ["1.2.3", ".", "EUR", '"1.2.3" is not an amount'],
    ["12 34", ".", "EUR", '"12 34" is not an amount'],
    ["1,23,456.00", ".", "INR", '"1,23,456.00" is not an amount'],
    ["1 234.567,89", ",", "EUR", '"1 234.567,89" is not an amount'],
    ["€12 EUR", ".", "EUR", '"€12 EUR" is not an amount'],
    ["12,5O", ",", "EUR", '"12,5O" is not an amount'],
    ["12 euros", ".", "EUR", '"12 euros" is not an amount'],
    ["NaN", ".", "EUR", '"NaN" is not an amount'],
    ["Infinity", ".", "EUR", '"Infinity" is not an amount'],
    ["-12.50", ".", "EUR", '"-12.50" is negative; amounts must be positive (record a credit note instead)'],
    ["−12.50", ".", "EUR", '"−12.50" is negative; amounts must be positive (record a credit note instead)'],
    ["12.50-", ".", "EUR", '"12.50-" is negative; amounts must be positive (record a credit note instead)'],
    ["(12.50)", ".", "EUR", '"(12.50)" is negative; amounts must be positive (record a credit note instead)'],
    ["-€12", ".", "EUR", '"-€12" is negative; amounts must be positive (record a credit note instead)'],
    ["(12.50", ".", "EUR", '"(12.50" is not an amount'],
    ["€12.50", ".", "USD", '"€12.50" carries "€", which does not match the row\'s currency USD'],
    ["12.50 GBP", ".", "EUR", '"12.50 GBP" carries "GBP", which does not match the row\'s currency EUR'],
    ["1200.5", ".", "JPY", '"1200.5" has decimals but JPY has no minor unit'],
    ["12.345", ".", "EUR", '"12.345" has 3 decimals but EUR has 2'],
    ["1,234", ",", "EUR", '"1,234" has 3 decimals but EUR has 2'],
    [
      "1.5",
      ",",
      "JPY",
      '"1.5" uses "." as decimal separator but this file uses ","; set decimalSeparator if the file mixes them',
    ],
    [
      "12,50",
      ".",
      "EUR",
      '"12,50" uses "," as decimal separator but this file uses "."; set decimalSeparator if the file mixes them',
    ],
    [
      "1,234.56",
      ",",
      "EUR",
      '"1,234.56" uses "." as decimal separator but this file uses ","; set decimalSeparator if the file mixes them',
    ],
    ["99999999999999999999", ".", "EUR", '"99999999999999999999" is too large'],
  ])("%j (decimal %s, %s): %s", (text, mark, currency, message) => {
    expect(parseAmount(text, currency, mark as "." | ",")).toEqual({ ok: false, message });
  });
});

describe("decimalMarkOf", () => {
  it.each([
    ["1234.56", "."],
    ["1234,5", ","],
    ["1.234,56", ","],
    ["1,234.56", "."],
    ["1 234,5678", ","],
    ["1,234", undefined],
    ["1.234", undefined],
    ["1.234.567", undefined],
    ["1234", undefined],
    ["€ 99,00", ","],
  ])("%j → %s", (text, mark) => {
    expect(decimalMarkOf(text)).toBe(mark);
  });
});

describe("plainToMinor, the fast path", () => {
  /** Deterministic pseudo-random numbers (mulberry32). */
  function random(seed: number): () => number {
    return () => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }
  const digitsOf = (next: () => number, count: number) => Array.from({ length: count }, () => Math.floor(next() * 10)).join("");

  it("agrees with parseDecimalToMinor wherever it answers, and answers the common forms", () => {
    const next = random(7);
    let answered = 0;
    for (let i = 0; i < 20_000; i++) {
      const currency = ["EUR", "JPY", "KWD", "CLF"][i % 4] as string;
      const whole = digitsOf(next, 1 + Math.floor(next() * 18));
      const fraction = next() < 0.6 ? digitsOf(next, Math.floor(next() * 6)) : undefined;
      const text = fraction === undefined ? whole : `${whole}.${fraction}`;
      const fast = plainToMinor(text, 0x2e, currencyExponent(currency));
      if (fast === -1) continue;
      answered++;
      expect([text, currency, fast]).toEqual([text, currency, parseDecimalToMinor(text, currency)]);
    }
    expect(answered).toBeGreaterThan(5_000);
    expect(plainToMinor("1234.56", 0x2e, 2)).toBe(123456);
    expect(plainToMinor("1234,5", 0x2c, 2)).toBe(123450);
    expect(plainToMinor("0007", 0x2e, 0)).toBe(7);
  });

  it.each([
    ["", 2],
    [".5", 2],
    ["5.", 2],
    ["1.2.3", 2],
    ["1,5", 2],
    ["-1", 2],
    [" 1", 2],
    ["1.234", 2],
    ["1.5", 0],
    ["99999999999999.99", 2],
    ["1", 6],
  ])("leaves %j (exponent %d) to the general path", (text, exponent) => {
    expect(plainToMinor(text, 0x2e, exponent)).toBe(-1);
  });
});
