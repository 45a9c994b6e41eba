import { describe, expect, it } from "vitest";
import { addDays, calendarDateOf, daysBetween, isCalendarDate, toEpochDay } from "../src/dates";

describe("calendar dates", () => {
  it("accepts real dates only", () => {
    expect(isCalendarDate("2024-02-29")).toBe(true);
    expect(isCalendarDate("2025-02-29")).toBe(false);
    expect(isCalendarDate("2026-04-31")).toBe(false);
    expect(isCalendarDate("2026-13-01")).toBe(false);
    expect(isCalendarDate("2026-1-01")).toBe(false);
    expect(() => toEpochDay("31/01/2026")).toThrow(/not a calendar date/);
  });

  it("counts whole days across months, years and DST changes", () => {
    expect(daysBetween("2026-03-28", "2026-03-30")).toBe(2);
    expect(daysBetween("2025-12-31", "2026-01-01")).toBe(1);
    expect(addDays("2026-01-05", -10)).toBe("2025-12-26");
    expect(addDays("2024-02-28", 1)).toBe("2024-02-29");
    expect(calendarDateOf(Date.parse("2026-11-22T23:59:59Z"))).toBe("2026-11-22");
  });
});
