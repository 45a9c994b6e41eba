/**
 * Input checks shared by the repositories: each problem is collected with the path of the field it is
 * about ("instalments[2].amountMinor"), and all of them are reported together in one validation error.
 */
import { type Issue, isCalendarDate, isCurrency, validationError } from "@relance/core";

export class Issues {
  readonly #issues: Issue[] = [];

  add(path: string, message: string): void {
    this.#issues.push({ path, message });
  }

  get count(): number {
    return this.#issues.length;
  }

  /** Throws a validation error listing every issue collected, if any. */
  throwIfAny(message: string): void {
    if (this.#issues.length > 0) throw validationError(message, [...this.#issues]);
  }

  /** An amount of minor units: a safe integer, positive unless `allowZero`. */
  minor(path: string, value: unknown, options: { allowZero?: boolean } = {}): value is number {
    if (typeof value !== "number" || !Number.isSafeInteger(value)) {
      this.add(path, "must be an integer amount of minor units");
      return false;
    }
    if (value < 0 || (value === 0 && !options.allowZero)) {
      this.add(path, options.allowZero ? "must not be negative" : "must be greater than zero");
      return false;
    }
    return true;
  }

  currency(path: string, value: unknown): value is string {
    if (typeof value !== "string" || !isCurrency(value)) {
      this.add(path, "must be an ISO 4217 currency code such as EUR");
      return false;
    }
    return true;
  }

  date(path: string, value: unknown): value is string {
    if (typeof value !== "string" || !isCalendarDate(value)) {
      this.add(path, "must be a calendar date YYYY-MM-DD");
      return false;
    }
    return true;
  }

  instant(path: string, value: unknown): value is Date {
    if (!(value instanceof Date) || Number.isNaN(value.getTime())) {
      this.add(path, "must be a valid date and time");
      return false;
    }
    return true;
  }

  /** A string of at most `max` characters; non-blank when `required`. */
  text(path: string, value: unknown, options: { max: number; required?: boolean }): value is string {
    if (typeof value !== "string") {
      this.add(path, "must be a string");
      return false;
    }
    if (options.required && value.trim() === "") {
      this.add(path, "required");
      return false;
    }
    if (value.length > options.max) {
      this.add(path, `must be at most ${options.max} characters`);
      return false;
    }
    return true;
  }

  oneOf<T extends string>(path: string, value: unknown, allowed: readonly T[]): value is T {
    if (typeof value !== "string" || !(allowed as readonly string[]).includes(value)) {
      this.add(path, `must be one of ${allowed.join(", ")}`);
      return false;
    }
    return true;
  }
}

/** A JSON object (not null, not an array). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const POSTGRES_FOREIGN_KEY_VIOLATION = "23503";

export function isForeignKeyViolation(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === POSTGRES_FOREIGN_KEY_VIOLATION;
}
