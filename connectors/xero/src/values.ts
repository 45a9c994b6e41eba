/**
 * Reading Xero's scalar values: decimals into exact minor units, dates (which the SDK hands over as
 * JS Dates when the wire had `/Date(ms+0000)/`, and as strings otherwise) into calendar dates.
 */
import { type CalendarDate, isCalendarDate, isCurrency, parseDecimalToMinor } from "@relance/core";

export class MappingError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = "MappingError";
  }
}

export function currencyOf(code: unknown, field: string): string {
  const text = typeof code === "string" ? code.trim().toUpperCase() : "";
  if (!isCurrency(text)) throw new MappingError(field, `"${String(code)}" is not an ISO 4217 currency`);
  return text;
}

/**
 * A decimal as Xero sent it (a JSON number after parsing, e.g. 1234.56) to minor units. A JSON number
 * of up to 15 significant digits prints back as the same decimal text, so going through its string
 * form is exact; exponent notation or more decimals than the currency has are refused, not rounded.
 */
export function toMinor(value: unknown, currency: string, field: string): number {
  if (value === undefined || value === null || value === "") return 0;
  const text = typeof value === "number" ? String(value) : typeof value === "string" ? value.trim() : "";
  if (!/^-?\d+(\.\d+)?$/.test(text)) throw new MappingError(field, `"${String(value)}" is not a decimal amount`);
  const trimmed = text.includes(".") ? text.replace(/\.?0+$/, "") : text;
  try {
    return parseDecimalToMinor(trimmed, currency);
  } catch (error) {
    throw new MappingError(field, error instanceof Error ? error.message : String(error));
  }
}

const MS_DATE = /^\/Date\((-?\d+)([+-]\d{4})?\)\/$/;

/** The calendar date Xero meant: its dates are midnight UTC of the organisation's calendar day. */
export function calendarDate(value: unknown, field: string): CalendarDate {
  if (value instanceof Date && !Number.isNaN(value.getTime())) return value.toISOString().slice(0, 10);
  if (typeof value === "string") {
    const ms = MS_DATE.exec(value);
    if (ms) return new Date(Number(ms[1])).toISOString().slice(0, 10);
    const day = value.slice(0, 10);
    if (isCalendarDate(day)) return day;
  }
  throw new MappingError(field, `"${String(value)}" is not a date`);
}

export function optionalCalendarDate(value: unknown, field: string): CalendarDate | undefined {
  return value === undefined || value === null || value === "" ? undefined : calendarDate(value, field);
}

/** UpdatedDateUTC as epoch milliseconds (Date from the SDK, or the raw `/Date()/` string). */
export function instant(value: unknown): number | undefined {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value.getTime();
  if (typeof value === "string") {
    const ms = MS_DATE.exec(value);
    if (ms) return Number(ms[1]);
    const parsed = Date.parse(value);
    return Number.isNaN(parsed) ? undefined : parsed;
  }
  return undefined;
}

export const nonEmpty = (value: unknown): string | undefined =>
  typeof value === "string" && value.trim() !== "" ? value.trim() : undefined;

/** SDK enums are numeric in the typings but the wire's strings at runtime. */
export const enumText = (value: unknown): string => (typeof value === "string" ? value : String(value ?? ""));
