/**
 * Maps what the SendGrid SDK throws (a ResponseError carrying the HTTP answer, or an axios network
 * error) to RelanceError. Nothing from the request travels on: axios errors hold the request
 * headers, Authorization included, so they are never kept as `cause`.
 */
import { type Issue, RelanceError } from "@relance/core";

interface ProviderResponseError {
  readonly code: number;
  readonly response: { readonly headers?: unknown; readonly body?: unknown };
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null;

function isResponseError(error: unknown): error is ProviderResponseError {
  return isRecord(error) && typeof error.code === "number" && isRecord(error.response);
}

/** A header from a plain object or axios' AxiosHeaders, case-insensitively. */
export function headerValue(headers: unknown, name: string): string | undefined {
  if (!isRecord(headers)) return undefined;
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== wanted) continue;
    if (typeof value === "string") return value;
    if (typeof value === "number") return String(value);
    if (Array.isArray(value) && typeof value[0] === "string") return value[0];
  }
  return undefined;
}

/** From Retry-After (seconds or HTTP date), else SendGrid's X-RateLimit-Reset (Unix seconds). */
export function retryDelayMs(headers: unknown, now: Date): number | undefined {
  const retryAfter = headerValue(headers, "retry-after")?.trim();
  if (retryAfter !== undefined && retryAfter !== "") {
    if (/^\d+$/.test(retryAfter)) return Number(retryAfter) * 1000;
    const at = Date.parse(retryAfter);
    if (!Number.isNaN(at)) return Math.max(0, at - now.getTime());
  }
  const reset = headerValue(headers, "x-ratelimit-reset")?.trim();
  if (reset !== undefined && /^\d+$/.test(reset)) return Math.max(0, Number(reset) * 1000 - now.getTime());
  return undefined;
}

/** Removes anything that looks like a SendGrid key (and the configured ones) from provider text. */
export function redact(text: string, secrets: readonly string[]): string {
  let clean = text;
  for (const secret of secrets) if (secret.length > 0) clean = clean.split(secret).join("[redacted]");
  return clean.replace(/SG\.[A-Za-z0-9_.-]+/g, "SG.[redacted]");
}

/** SendGrid's `{errors: [{message, field, help}]}` body as issues. */
function providerIssues(body: unknown, secrets: readonly string[]): Issue[] {
  const parsed = typeof body === "string" ? safeJson(body) : body;
  if (!isRecord(parsed) || !Array.isArray(parsed.errors)) return [];
  return parsed.errors.flatMap((entry: unknown): Issue[] => {
    if (!isRecord(entry) || typeof entry.message !== "string") return [];
    const message = redact(entry.message, secrets);
    return typeof entry.field === "string" && entry.field !== "null"
      ? [{ path: redact(entry.field, secrets), message }]
      : [{ message }];
  });
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export interface ErrorContext {
  /** What was attempted, for the message: "mail send", "activity lookup". */
  readonly action: string;
  readonly now: Date;
  /** Values that must never appear in an error (the API key). */
  readonly secrets: readonly string[];
}

export function toRelanceError(error: unknown, context: ErrorContext): RelanceError {
  if (error instanceof RelanceError) return error;
  if (isResponseError(error)) {
    const status = error.code;
    const issues = providerIssues(error.response.body, context.secrets);
    const said = issues.map((issue) => (issue.path ? `${issue.message} (${issue.path})` : issue.message)).join("; ");
    const suffix = said ? `: ${said}` : "";
    if (status === 429) {
      return new RelanceError("rate_limited", `SendGrid rate limit reached on ${context.action}${suffix}`, {
        retryable: true,
        retryAfterMs: retryDelayMs(error.response.headers, context.now),
        issues,
      });
    }
    if (status >= 500) {
      return new RelanceError("provider_unavailable", `SendGrid failed on ${context.action} (HTTP ${status})${suffix}`, {
        retryable: true,
        issues,
      });
    }
    if (status === 401 || status === 403) {
      return new RelanceError(
        "misconfigured",
        `SendGrid refused the API key for ${context.action} (HTTP ${status}): check the key and its permissions${suffix}`,
        { issues },
      );
    }
    return new RelanceError("provider_rejected", `SendGrid rejected the ${context.action} (HTTP ${status})${suffix}`, {
      issues,
    });
  }
  if (isRecord(error) && (error.isAxiosError === true || typeof error.code === "string")) {
    const code = typeof error.code === "string" ? error.code : "network error";
    return new RelanceError(
      "provider_unavailable",
      `SendGrid could not be reached for ${context.action} (${redact(code, context.secrets)})`,
      {
        retryable: true,
      },
    );
  }
  const message = error instanceof Error ? error.message : String(error);
  return new RelanceError("internal", `SendGrid ${context.action} failed: ${redact(message, context.secrets)}`);
}
