import { describe, expect, it } from "vitest";
import { hashCells, hashText, SeenRecords } from "../src/seen";

describe("SeenRecords", () => {
  it("finds what was added, in order of arrival, across rehashes and pages", () => {
    const seen = new SeenRecords(1, 2);
    for (let i = 0; i < 30_000; i++) {
      expect(seen.find(`INV-${i}`)).toBe(-1);
      expect(seen.add(`INV-${i}`, i + 2, [i * 100], [i, 7 * i + 1])).toBe(i);
    }
    expect(seen.size).toBe(30_000);
    for (const i of [0, 1, 4095, 4096, 11_468, 29_999]) {
      const index = seen.find(`INV-${i}`);
      expect(index).toBe(i);
      expect([seen.lineOf(index), seen.numberOf(index, 0), seen.intOf(index, 0), seen.intOf(index, 1)]).toEqual([
        i + 2,
        i * 100,
        i,
        7 * i + 1,
      ]);
    }
    expect(seen.find("INV-30000")).toBe(-1);
    expect(seen.find("inv-1")).toBe(-1);
  });

  it("keeps ids with characters beyond Latin-1, long ids and amounts beyond 32 bits", () => {
    const seen = new SeenRecords(1, 0);
    const ids = ["請求書-1", "請求書-2", "Ünïcödé", "x".repeat(200), "é", ""];
    ids.forEach((id, i) => {
      expect(seen.find(id)).toBe(-1);
      seen.add(id, i, [2 ** 52 + i], []);
    });
    ids.forEach((id, i) => {
      expect(seen.find(id)).toBe(i);
      expect(seen.numberOf(i, 0)).toBe(2 ** 52 + i);
    });
    expect(seen.find("請求書-3")).toBe(-1);
    expect(seen.find("x".repeat(199))).toBe(-1);
  });
});

describe("hashes", () => {
  it("hashText ignores surrounding spaces, hashCells does not", () => {
    expect(hashText("  Acme\u00a0")).toBe(hashText("Acme"));
    expect(hashText("Acme")).not.toBe(hashText("Acmé"));
    expect(hashCells([" Acme", "Paris"], [0, 1])).not.toBe(hashCells(["Acme", "Paris"], [0, 1]));
    // Cell boundaries count: "ab"+"c" is not "a"+"bc".
    expect(hashCells(["ab", "c"], [0, 1])).not.toBe(hashCells(["a", "bc"], [0, 1]));
  });
});
