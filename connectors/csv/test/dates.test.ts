import { addDays, isCalendarDate } from "@relance/core";
import { describe, expect, it } from "vitest";
import { isoDayNumber, parseDate } from "../src/dates";

describe("parseDate", () => {
  it.each([
    ["2026-03-15", "dmy", "2026-03-15"],
    ["2026-3-5", "dmy", "2026-03-05"],
    [" 2026-03-15 ", "dmy", "2026-03-15"],
    ["15/03/2026", "dmy", "2026-03-15"],
    ["5/3/2026", "dmy", "2026-03-05"],
    ["15.03.2026", "dmy", "2026-03-15"],
    ["15-03-2026", "dmy", "2026-03-15"],
    ["29/02/2028", "dmy", "2028-02-29"],
    ["29/02/2000", "dmy", "2000-02-29"],
    ["03/15/2026", "mdy", "2026-03-15"],
    ["12/31/2026", "mdy", "2026-12-31"],
    ["2026-03-15", "mdy", "2026-03-15"],
    ["2026-03-15", "iso", "2026-03-15"],
  ] as const)("%j read as %s → %s", (text, format, date) => {
    expect(parseDate(text, format)).toEqual({ ok: true, date });
  });

  it.each([
    ["", "dmy", "is empty"],
    ["31/02/2026", "dmy", '"31/02/2026" is not a real date'],
    ["29/02/2026", "dmy", '"29/02/2026" is not a real date'],
    ["29/02/1900", "dmy", '"29/02/1900" is not a real date'],
    ["2026-02-30", "dmy", '"2026-02-30" is not a real date'],
    ["2026-13-01", "dmy", '"2026-13-01" has no month 13'],
    ["00/01/2026", "dmy", '"00/01/2026" is not a real date'],
    [
      "03/15/2026",
      "dmy",
      '"03/15/2026" has no month 15 (dates are read as day/month/year; set dateFormat "mdy" if the file uses month/day/year)',
    ],
    [
      "15/03/2026",
      "mdy",
      '"15/03/2026" has no month 15 (dates are read as month/day/year; set dateFormat "dmy" if the file uses day/month/year)',
    ],
    ["15/03/26", "dmy", '"15/03/26" has a two-digit year; write the year in full'],
    ["15/03-2026", "dmy", '"15/03-2026" is not a date; expected YYYY-MM-DD or dd/mm/yyyy'],
    ["15/03/2026", "iso", '"15/03/2026" is not a date; expected YYYY-MM-DD'],
    ["March 15, 2026", "mdy", '"March 15, 2026" is not a date; expected YYYY-MM-DD or mm/dd/yyyy'],
    ["45000", "dmy", '"45000" is not a date; expected YYYY-MM-DD or dd/mm/yyyy'],
    ["2026-03-15T10:00:00Z", "dmy", '"2026-03-15T10:00:00Z" is not a date; expected YYYY-MM-DD or dd/mm/yyyy'],
  ] as const)("%j read as %s: %s", (text, format, message) => {
    expect(parseDate(text, format)).toEqual({ ok: false, message });
  });
});

describe("isoDayNumber, the fast path for ISO dates", () => {
  it("agrees with the core's isCalendarDate on every day of 1899–2101 and on impossible days", () => {
    for (let date = "1899-12-25"; date <= "2101-01-05"; date = addDays(date, 1)) {
      expect(isoDayNumber(date)).toBe(Number(date.replaceAll("-", "")));
    }
    for (const year of ["1900", "2000", "2023", "2024", "2100"]) {
      for (let month = 1; month <= 12; month++) {
        for (const day of ["29", "30", "31", "32", "00"]) {
          const date = `${year}-${String(month).padStart(2, "0")}-${day}`;
          expect([date, isoDayNumber(date) !== -1]).toEqual([date, isCalendarDate(date)]);
        }
      }
    }
  });

  it.each(["2026-3-05", "2026-03-5", " 2026-03-05", "2026/03/05", "0999-01-01", "2026-13-01", "2026-00-10", "2O26-01-01"])(
    "leaves %j to parseDate",
    (text) => {
      expect(isoDayNumber(text)).toBe(-1);
    },
  );
});
