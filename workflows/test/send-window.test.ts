import { describe, expect, it } from "vitest";
import { isInWindow, nextWindowOpening } from "../src/activities/send-window";

const at = (iso: string) => Date.parse(iso);
const quiet = { businessDaysOnly: false, quietHours: { start: "20:00", end: "08:00" } };
const business = { businessDaysOnly: true };

describe("send window in the debtor's time zone", () => {
  it("keeps quiet hours that wrap midnight, in local time", () => {
    // 2026-12-01 is a Tuesday. 19:30 UTC is 20:30 in Paris (quiet) but 19:30 in London (allowed).
    expect(isInWindow(at("2026-12-01T19:30:00Z"), "Europe/Paris", quiet)).toBe(false);
    expect(isInWindow(at("2026-12-01T19:30:00Z"), "Europe/London", quiet)).toBe(true);
    expect(isInWindow(at("2026-12-01T06:59:00Z"), "Europe/Paris", quiet)).toBe(false);
    expect(isInWindow(at("2026-12-01T07:00:00Z"), "Europe/Paris", quiet)).toBe(true);
  });

  it("keeps quiet hours inside one day", () => {
    const lunch = { businessDaysOnly: false, quietHours: { start: "12:00", end: "14:00" } };
    expect(isInWindow(at("2026-12-01T12:30:00Z"), "UTC", lunch)).toBe(false);
    expect(isInWindow(at("2026-12-01T14:00:00Z"), "UTC", lunch)).toBe(true);
  });

  it("skips weekends where the debtor is, not where the server is", () => {
    // Saturday 00:30 in Tokyo is still Friday in UTC.
    expect(isInWindow(at("2026-12-04T15:30:00Z"), "Asia/Tokyo", business)).toBe(false);
    expect(isInWindow(at("2026-12-04T15:30:00Z"), "UTC", business)).toBe(true);
  });

  it("defers to the next opening: the morning after quiet hours, Monday after a weekend", () => {
    expect(nextWindowOpening(at("2026-12-01T21:10:00Z"), "Europe/Paris", quiet)).toBe(at("2026-12-02T07:00:00Z"));
    const both = { businessDaysOnly: true, quietHours: { start: "20:00", end: "08:00" } };
    // Friday 22:00 in Paris: next is Monday 08:00 local (07:00 UTC in winter).
    expect(nextWindowOpening(at("2026-12-04T21:00:00Z"), "Europe/Paris", both)).toBe(at("2026-12-07T07:00:00Z"));
  });

  it("leaves an instant already inside the window unchanged", () => {
    const now = at("2026-12-01T10:17:42Z");
    expect(nextWindowOpening(now, "Europe/Paris", quiet)).toBe(now);
  });

  it("follows daylight saving time", () => {
    // 29 March 2026: Paris moves to UTC+2; 06:30 UTC is 08:30 local (allowed), a week earlier 07:30 (quiet).
    expect(isInWindow(at("2026-03-30T06:30:00Z"), "Europe/Paris", quiet)).toBe(true);
    expect(isInWindow(at("2026-03-23T06:30:00Z"), "Europe/Paris", quiet)).toBe(false);
  });

  it("never waits forever on a window that cannot open", () => {
    const never = { businessDaysOnly: false, quietHours: { start: "00:00", end: "23:59" } };
    const now = at("2026-12-01T23:59:30Z");
    expect(nextWindowOpening(now, "UTC", never)).toBeGreaterThanOrEqual(now);
  });
});
