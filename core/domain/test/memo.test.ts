import { describe, expect, it } from "vitest";
import { formatMoney, memoByKey, money } from "../src";

describe("memoByKey", () => {
  it("builds each key once and hands back the same value", () => {
    const built: string[] = [];
    const upper = memoByKey((key) => {
      built.push(key);
      return { value: key.toUpperCase() };
    });
    const first = upper("fr");
    expect(upper("fr")).toBe(first);
    expect(upper("en").value).toBe("EN");
    expect(built).toEqual(["fr", "en"]);
  });

  it("starts afresh when the limit is reached, so data-driven keys cannot grow it without bound", () => {
    const built: string[] = [];
    const cached = memoByKey((key) => built.push(key), 2);
    cached("a");
    cached("b");
    cached("c");
    cached("c");
    cached("a");
    expect(built).toEqual(["a", "b", "c", "a"]);
  });

  it("does not remember a build that threw (an unknown locale fails every time)", () => {
    let calls = 0;
    const strict = memoByKey((key) => {
      calls++;
      if (key === "bad") throw new RangeError("bad key");
      return key;
    });
    expect(() => strict("bad")).toThrow(RangeError);
    expect(() => strict("bad")).toThrow(RangeError);
    expect(calls).toBe(2);
  });
});

describe("formatMoney with kept formatters", () => {
  it("formats each locale and currency with its own formatter", () => {
    expect(formatMoney(money(123456, "EUR"), "fr")).toBe(
      new Intl.NumberFormat("fr", { style: "currency", currency: "EUR" }).format(1234.56),
    );
    expect(formatMoney(money(123456, "EUR"), "en")).toBe("€1,234.56");
    expect(formatMoney(money(1234, "JPY"), "en")).toBe("¥1,234");
    expect(formatMoney(money(1234, "EUR"), "en")).toBe("€12.34");
  });
});
