/** Calendar dates ("YYYY-MM-DD") as the ledger states them; arithmetic in whole days, no time zone. */
export type CalendarDate = string;

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DAY_MS = 86_400_000;

export function isCalendarDate(text: string): boolean {
  const match = DATE.exec(text);
  if (!match) return false;
  const [, y, m, d] = match.map(Number) as [number, number, number, number];
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

// Planning converts the same few dates over and over: remember them (bounded; pure either way).
const epochDays = new Map<string, number>();

/** Days since 1970-01-01 for a calendar date. */
export function toEpochDay(date: CalendarDate): number {
  const known = epochDays.get(date);
  if (known !== undefined) return known;
  if (!isCalendarDate(date)) throw new RangeError(`"${date}" is not a calendar date (YYYY-MM-DD)`);
  const day = Date.parse(`${date}T00:00:00Z`) / DAY_MS;
  if (epochDays.size >= 4096) epochDays.clear();
  epochDays.set(date, day);
  return day;
}

export function fromEpochDay(day: number): CalendarDate {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

export function addDays(date: CalendarDate, days: number): CalendarDate {
  return fromEpochDay(toEpochDay(date) + days);
}

export function daysBetween(from: CalendarDate, to: CalendarDate): number {
  return toEpochDay(to) - toEpochDay(from);
}

/** The UTC calendar date of an instant. */
export function calendarDateOf(epochMs: number): CalendarDate {
  return new Date(epochMs).toISOString().slice(0, 10);
}
