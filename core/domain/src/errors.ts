/**
 * Typed errors shared by plugins, activities and the API. Activities map them to Temporal failures
 * (non-retryable unless `retryable`), the API maps them to RFC 9457 problem+json.
 */
export type ErrorCode =
  | "validation_failed"
  | "not_found"
  | "unauthorized"
  | "forbidden"
  | "conflict"
  | "payload_too_large"
  | "unsupported_media_type"
  | "rate_limited"
  | "provider_unavailable"
  | "provider_rejected"
  | "misconfigured"
  | "internal";

/** One problem with an input, pointing at where it is: a field path, or a file line and column. */
export interface Issue {
  readonly path?: string;
  readonly line?: number;
  readonly column?: string;
  readonly message: string;
}

export interface RelanceErrorOptions {
  readonly retryable?: boolean;
  readonly retryAfterMs?: number;
  readonly issues?: readonly Issue[];
  readonly cause?: unknown;
}

export class RelanceError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;
  readonly issues: readonly Issue[];

  constructor(code: ErrorCode, message: string, options: RelanceErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "RelanceError";
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.retryAfterMs = options.retryAfterMs;
    this.issues = options.issues ?? [];
  }
}

export const isRelanceError = (error: unknown): error is RelanceError => error instanceof RelanceError;

export function validationError(message: string, issues: readonly Issue[]): RelanceError {
  return new RelanceError("validation_failed", message, { issues });
}

export function notFound(what: string): RelanceError {
  return new RelanceError("not_found", `${what} not found`);
}

/** Formats an issue the way people read it: "line 4, column amount: not a number". */
export function describeIssue(issue: Issue): string {
  const where = [
    issue.line === undefined ? undefined : `line ${issue.line}`,
    issue.column === undefined ? undefined : `column ${issue.column}`,
    issue.path === undefined ? undefined : issue.path,
  ].filter(Boolean);
  return where.length ? `${where.join(", ")}: ${issue.message}` : issue.message;
}
