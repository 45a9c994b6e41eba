/**
 * What xero-node rejects with, turned into RelanceError. The SDK rejects API calls with a JSON
 * *string* ({response: {statusCode, body, headers}, body}); openid-client throws OPError/RPError;
 * plain fetch throws TypeError on network failures. Request headers never travel on.
 */
import { type Issue, RelanceError } from "@relance/core";

export interface ProviderFailure {
  /** 0 when no HTTP answer came back (network error, timeout). */
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: unknown;
  readonly message: string;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null;

function lowerHeaders(value: unknown): Record<string, string> {
  const headers: Record<string, string> = {};
  if (!isRecord(value)) return headers;
  for (const [key, item] of Object.entries(value)) {
    if (typeof item === "string" || typeof item === "number") headers[key.toLowerCase()] = String(item);
  }
  return headers;
}

/** Reads the SDK's rejection (a JSON string) or any thrown value as a failure. */
export function readFailure(error: unknown): ProviderFailure {
  if (typeof error === "string") {
    try {
      const parsed: unknown = JSON.parse(error);
      if (isRecord(parsed) && isRecord(parsed.response)) {
        const status = typeof parsed.response.statusCode === "number" ? parsed.response.statusCode : 0;
        const body = parsed.response.body;
        return { status, headers: lowerHeaders(parsed.response.headers), body, message: typeof body === "string" ? body : "" };
      }
    } catch {
      // Not the SDK's JSON: fall through.
    }
    return { status: 0, headers: {}, body: undefined, message: error };
  }
  return { status: 0, headers: {}, body: undefined, message: error instanceof Error ? error.message : String(error) };
}

/** Xero's 400 ValidationException: Elements[].ValidationErrors[].Message. */
function validationIssues(body: unknown): Issue[] {
  if (!isRecord(body)) return [];
  const issues: Issue[] = [];
  const elements = Array.isArray(body.Elements) ? body.Elements : [];
  elements.forEach((element: unknown, index) => {
    if (!isRecord(element) || !Array.isArray(element.ValidationErrors)) return;
    for (const entry of element.ValidationErrors) {
      if (isRecord(entry) && typeof entry.Message === "string")
        issues.push({ path: `Elements.${index}`, message: entry.Message });
    }
  });
  if (issues.length === 0 && typeof body.Detail === "string") issues.push({ message: body.Detail });
  if (issues.length === 0 && typeof body.Message === "string") issues.push({ message: body.Message });
  return issues;
}

const DEFAULT_WAIT_MS: Readonly<Record<string, number>> = { minute: 60_000, day: 3_600_000, concurrent: 1_000 };

/** Retry-After (seconds) for a 429; a day limit without one waits an hour, never less than the header says. */
export function rateLimitWait(headers: Readonly<Record<string, string>>): { readonly problem: string; readonly waitMs: number } {
  const problem = headers["x-rate-limit-problem"]?.toLowerCase() ?? "minute";
  const retryAfter = headers["retry-after"];
  const seconds = retryAfter !== undefined && /^\d+$/.test(retryAfter.trim()) ? Number(retryAfter) * 1000 : undefined;
  const fallback = DEFAULT_WAIT_MS[problem] ?? DEFAULT_WAIT_MS.minute ?? 60_000;
  return { problem, waitMs: problem === "day" ? Math.max(seconds ?? 0, fallback) : (seconds ?? fallback) };
}

export function toRelanceError(failure: ProviderFailure, action: string): RelanceError {
  const { status } = failure;
  const issues = validationIssues(failure.body);
  const said = issues.map((issue) => issue.message).join("; ");
  const suffix = said ? `: ${said}` : "";
  if (status === 429) {
    const { problem, waitMs } = rateLimitWait(failure.headers);
    return new RelanceError("rate_limited", `Xero ${problem} rate limit reached on ${action}`, {
      retryable: true,
      retryAfterMs: waitMs,
    });
  }
  if (status === 0) {
    return new RelanceError(
      "provider_unavailable",
      `Xero could not be reached for ${action} (${failure.message || "network error"})`,
      {
        retryable: true,
      },
    );
  }
  if (status >= 500) {
    return new RelanceError("provider_unavailable", `Xero failed on ${action} (HTTP ${status})${suffix}`, {
      retryable: true,
      issues,
    });
  }
  if (status === 401) return new RelanceError("unauthorized", `Xero refused the access token on ${action}${suffix}`);
  // Xero answers 403 when the grant no longer covers the organisation (removed, or access withdrawn).
  if (status === 403)
    return new RelanceError("forbidden", `Xero refused access to the organisation on ${action}${suffix}`, { issues });
  if (status === 404) return new RelanceError("not_found", `Xero has no such record for ${action}`);
  return new RelanceError("provider_rejected", `Xero rejected ${action} (HTTP ${status})${suffix}`, { issues });
}
