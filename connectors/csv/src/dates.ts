/** Date cells to calendar dates ("YYYY-MM-DD"), with explicit formats only: nothing is guessed per cell. */
import { type CalendarDate, isCalendarDate } from "@relance/core";
import type { DateFormat } from "./options";

export type DateResult = { readonly ok: true; readonly date: CalendarDate } | { readonly ok: false; readonly message: string };

const ISO = /^(\d{4})-(\d{1,2})-(\d{1,2})$/;
const DAY_MONTH_YEAR = /^(\d{1,2})([/.-])(\d{1,2})\2(\d{2}|\d{4})$/;

const FORMAT_NAMES: Record<DateFormat, string> = {
  dmy: "day/month/year",
  mdy: "month/day/year",
  iso: "YYYY-MM-DD",
};

export function parseDate(text: string, format: DateFormat): DateResult {
  const trimmed = text.trim();
  if (trimmed === "") return { ok: false, message: "is empty" };
  const iso = ISO.exec(trimmed);
  if (iso) return calendarDate(trimmed, iso[1] as string, iso[2] as string, iso[3] as string, format);
  const parts = DAY_MONTH_YEAR.exec(trimmed);
  if (!parts || format === "iso") {
    const expected = format === "iso" ? "YYYY-MM-DD" : `YYYY-MM-DD or ${format === "dmy" ? "dd/mm/yyyy" : "mm/dd/yyyy"}`;
    return { ok: false, message: `"${trimmed}" is not a date; expected ${expected}` };
  }
  const [, first, , second, year] = parts as unknown as [string, string, string, string, string];
  if (year.length === 2) return { ok: false, message: `"${trimmed}" has a two-digit year; write the year in full` };
  const [day, month] = format === "dmy" ? [first, second] : [second, first];
  return calendarDate(trimmed, year, month, day, format);
}

function calendarDate(original: string, year: string, month: string, day: string, format: DateFormat): DateResult {
  const monthNumber = Number(month);
  if (monthNumber < 1 || monthNumber > 12) {
    const hint =
      format === "iso" || ISO.test(original)
        ? ""
        : ` (dates are read as ${FORMAT_NAMES[format]}; set dateFormat "${format === "dmy" ? "mdy" : "dmy"}" if the file uses ${FORMAT_NAMES[format === "dmy" ? "mdy" : "dmy"]})`;
    return { ok: false, message: `"${original}" has no month ${monthNumber}${hint}` };
  }
  const date = `${year}-${month.padStart(2, "0")}-${day.padStart(2, "0")}`;
  if (!isCalendarDate(date)) return { ok: false, message: `"${original}" is not a real date` };
  return { ok: true, date };
}

/**
 * An exact "YYYY-MM-DD" that is a real date, as the integer 20260315; -1 for anything else (which then
 * goes through parseDate). Years 1000–9999, where this agrees with the core's isCalendarDate.
 */
export function isoDayNumber(text: string): number {
  if (text.length !== 10 || text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45) return -1;
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 7);
  const day = digits(text, 8, 10);
  if (year < 1000 || month < 1 || month > 12 || day < 1) return -1;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days = month === 2 ? (leap ? 29 : 28) : month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
  return day <= days ? year * 10000 + month * 100 + day : -1;
}

/** The number written in text[start, end), or -1 when it is not all digits. */
function digits(text: string, start: number, end: number): number {
  let value = 0;
  for (let i = start; i < end; i++) {
    const code = text.charCodeAt(i) - 48;
    if (code < 0 || code > 9) return -1;
    value = value * 10 + code;
  }
  return value;
}
