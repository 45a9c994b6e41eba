import { describe, expect, it } from "vitest";
import {
  addMoney,
  currencyExponent,
  formatMinor,
  formatMoney,
  isCurrency,
  money,
  parseDecimalToMinor,
  subtractMoney,
  totalsByCurrency,
} from "../src/money";

describe("currency exponents", () => {
  it("follows ISO 4217, not Intl, for zero- and three-decimal currencies", () => {
    expect(currencyExponent("EUR")).toBe(2);
    expect(currencyExponent("JPY")).toBe(0);
    expect(currencyExponent("ISK")).toBe(0);
    expect(currencyExponent("KWD")).toBe(3);
    expect(currencyExponent("CLF")).toBe(4);
  });

  it("rejects unknown and lower-case codes", () => {
    expect(isCurrency("XXX")).toBe(false);
    expect(isCurrency("eur")).toBe(false);
    expect(() => currencyExponent("ABC")).toThrow(/unknown ISO 4217 currency "ABC"/);
  });
});

describe("parseDecimalToMinor", () => {
  it.each([
    ["1234.56", "EUR", 123456],
    ["1234.5", "EUR", 123450],
    ["12", "EUR", 1200],
    ["0.07", "EUR", 7],
    ["-0.07", "EUR", -7],
    ["+3", "USD", 300],
    ["1500", "JPY", 1500],
    ["1.234", "KWD", 1234],
    ["000123.40", "EUR", 12340],
  ])("%s %s → %i", (text, currency, expected) => {
    expect(parseDecimalToMinor(text, currency)).toBe(expected);
  });

  it("never rounds: more decimals than the currency has is an error", () => {
    expect(() => parseDecimalToMinor("1.005", "EUR")).toThrow(/EUR has 2 decimals, "1.005" has 3/);
    expect(() => parseDecimalToMinor("10.5", "JPY")).toThrow(/JPY has no minor unit/);
  });

  it("is exact where floats are not", () => {
    // 0.1 + 0.2 style errors: 1.15 * 100 === 114.99999999999999 in floating point.
    expect(parseDecimalToMinor("1.15", "EUR")).toBe(115);
    expect(parseDecimalToMinor("4.35", "EUR")).toBe(435);
  });

  it("rejects what is not a plain decimal and what does not fit a safe integer", () => {
    for (const text of ["", "1,5", "1e3", "abc", "1.2.3", " 1"]) {
      expect(() => parseDecimalToMinor(text, "EUR")).toThrow(/not a decimal number/);
    }
    expect(() => parseDecimalToMinor("90071992547409.93", "EUR")).toThrow(/too large/);
  });
});

describe("formatting and arithmetic", () => {
  it("formats minor units back exactly", () => {
    expect(formatMinor(123456, "EUR")).toBe("1234.56");
    expect(formatMinor(-7, "EUR")).toBe("-0.07");
    expect(formatMinor(1500, "JPY")).toBe("1500");
    expect(formatMinor(1, "KWD")).toBe("0.001");
  });

  it("round-trips every amount it formats", () => {
    for (const amount of [0, 1, 99, 100, 101, 123456789, -250]) {
      for (const currency of ["EUR", "JPY", "KWD"]) {
        expect(parseDecimalToMinor(formatMinor(amount, currency), currency)).toBe(amount);
      }
    }
  });

  it("displays with the locale's separators and our exponent", () => {
    expect(formatMoney(money(125000, "EUR"), "fr").replace(/\s/g, " ")).toBe("1 250,00 €");
    expect(formatMoney(money(320000, "GBP"), "en")).toBe("£3,200.00");
    expect(formatMoney(money(1500, "JPY"), "en")).toBe("¥1,500");
  });

  it("refuses to mix currencies or leave safe integers", () => {
    expect(() => addMoney(money(1, "EUR"), money(1, "USD"))).toThrow(/cannot combine EUR and USD/);
    expect(subtractMoney(money(500, "EUR"), money(200, "EUR"))).toEqual(money(300, "EUR"));
    expect(() => money(1.5, "EUR")).toThrow(/safe integer/);
    expect(() => money(Number.MAX_SAFE_INTEGER + 1, "EUR")).toThrow(/safe integer/);
  });

  it("totals per currency in first-seen order", () => {
    expect(totalsByCurrency([money(100, "EUR"), money(5, "USD"), money(250, "EUR")])).toEqual([
      money(350, "EUR"),
      money(5, "USD"),
    ]);
  });
});
