import { describe, expect, it } from "vitest";
import { instantOf, REAL_DAY_MS, realTimeScale, todayOf } from "../src/ladder";

describe("policy time", () => {
  it("uses whole real days at the send hour in production", () => {
    const real = realTimeScale("2026-03-10", 9);
    expect(real.dayMs).toBe(REAL_DAY_MS);
    expect(new Date(instantOf("2026-03-20", -3, real)).toISOString()).toBe("2026-03-17T09:00:00.000Z");
    expect(todayOf(real, Date.parse("2026-03-12T23:59:00Z"))).toBe("2026-03-12");
  });

  it("compresses days around the origin for demos and tests", () => {
    const fast = { dayMs: 1000, originDate: "2026-03-10", originEpochMs: 1_000_000 };
    expect(instantOf("2026-03-12", 1, fast)).toBe(1_003_000);
    expect(todayOf(fast, 1_002_999)).toBe("2026-03-12");
    expect(todayOf(fast, 1_003_000)).toBe("2026-03-13");
  });
});
