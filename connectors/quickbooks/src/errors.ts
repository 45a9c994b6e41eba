/**
 * What node-quickbooks hands its callbacks on failure, turned into RelanceError: an AxiosError for
 * HTTP ≥ 400 (`response.status`, `response.data` holding Intuit's Fault), the body itself for an
 * HTTP 200 carrying a Fault, or a network error. Axios errors hold the request (Authorization
 * included), so they are never kept as `cause`.
 */
import { RelanceError } from "@relance/core";

export interface QboFailure {
  /** HTTP status; 200 for a Fault inside a successful answer; undefined when nothing came back. */
  readonly status: number | undefined;
  readonly faults: readonly { readonly message: string; readonly detail?: string; readonly code?: string }[];
  readonly faultType: string | undefined;
  readonly retryAfter: string | undefined;
  readonly networkCode: string | undefined;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null;
const text = (value: unknown): string | undefined => (typeof value === "string" && value !== "" ? value : undefined);

/** Intuit writes `Fault.Error[].Message` on most answers and `fault.error[].message` on 401s. */
function faultsOf(body: unknown): Pick<QboFailure, "faults" | "faultType"> {
  if (!isRecord(body)) return { faults: [], faultType: undefined };
  const fault = isRecord(body.Fault) ? body.Fault : isRecord(body.fault) ? body.fault : undefined;
  if (!fault) return { faults: [], faultType: undefined };
  const errors = Array.isArray(fault.Error) ? fault.Error : Array.isArray(fault.error) ? fault.error : [];
  const faults = errors.filter(isRecord).map((entry) => {
    const detail = text(entry.Detail) ?? text(entry.detail);
    const code = text(entry.code) ?? (typeof entry.code === "number" ? String(entry.code) : undefined);
    return {
      message: text(entry.Message) ?? text(entry.message) ?? "unknown error",
      ...(detail ? { detail } : {}),
      ...(code ? { code } : {}),
    };
  });
  return { faults, faultType: text(fault.type) };
}

function header(headers: unknown, name: string): string | undefined {
  if (!isRecord(headers)) return undefined;
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === name) return text(value);
  return undefined;
}

export function describeFailure(error: unknown): QboFailure {
  if (isRecord(error) && isRecord(error.response)) {
    const response = error.response;
    return {
      status: typeof response.status === "number" ? response.status : undefined,
      ...faultsOf(response.data),
      retryAfter: header(response.headers, "retry-after"),
      networkCode: undefined,
    };
  }
  if (isRecord(error) && (isRecord(error.Fault) || isRecord(error.fault))) {
    return { status: 200, ...faultsOf(error), retryAfter: undefined, networkCode: undefined };
  }
  const code = isRecord(error) ? text(error.code) : undefined;
  return { status: undefined, faults: [], faultType: undefined, retryAfter: undefined, networkCode: code ?? "network error" };
}

export const isAuthFailure = (failure: QboFailure) => failure.status === 401;

export function isThrottled(failure: QboFailure): boolean {
  return failure.status === 429 || failure.faults.some((fault) => /ThrottleExceeded/i.test(fault.message));
}

/** Stale SyncToken: someone changed the record between our read and our update. */
export const isStale = (failure: QboFailure) => failure.faults.some((fault) => fault.code === "5010");

/** CDC refuses a changedSince older than its 30-day window. */
export const isCdcWindowRefused = (failure: QboFailure) =>
  failure.faults.some((fault) => /older than/i.test(`${fault.message} ${fault.detail ?? ""}`));

/** Intuit's throttle counts requests per minute; without Retry-After the window is what to wait. */
const DEFAULT_RETRY_AFTER_MS = 60_000;

function retryAfterMs(value: string | undefined, now: Date): number {
  const trimmed = value?.trim();
  if (trimmed && /^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  if (trimmed) {
    const at = Date.parse(trimmed);
    if (!Number.isNaN(at)) return Math.max(0, at - now.getTime());
  }
  return DEFAULT_RETRY_AFTER_MS;
}

function said(failure: QboFailure): string {
  const parts = failure.faults.map((fault) => (fault.detail ? `${fault.message} (${fault.detail})` : fault.message));
  return parts.length ? `: ${parts.join("; ")}` : "";
}

export function toRelanceError(error: unknown, action: string, now: Date): RelanceError {
  if (error instanceof RelanceError) return error;
  const failure = describeFailure(error);
  const issues = failure.faults.map((fault) => ({
    ...(fault.code ? { path: `Fault.${fault.code}` } : {}),
    message: fault.detail ? `${fault.message}: ${fault.detail}` : fault.message,
  }));
  if (failure.status === undefined) {
    return new RelanceError("provider_unavailable", `QuickBooks could not be reached for ${action} (${failure.networkCode})`, {
      retryable: true,
    });
  }
  if (isThrottled(failure)) {
    return new RelanceError("rate_limited", `QuickBooks throttled ${action}${said(failure)}`, {
      retryable: true,
      retryAfterMs: retryAfterMs(failure.retryAfter, now),
      issues,
    });
  }
  if (failure.status >= 500) {
    return new RelanceError("provider_unavailable", `QuickBooks failed on ${action} (HTTP ${failure.status})${said(failure)}`, {
      retryable: true,
      issues,
    });
  }
  if (failure.status === 401) {
    return new RelanceError("unauthorized", `QuickBooks refused the access token for ${action}${said(failure)}`, { issues });
  }
  if (failure.status === 403) {
    return new RelanceError("forbidden", `QuickBooks denied ${action}${said(failure)}`, { issues });
  }
  if (isStale(failure)) {
    return new RelanceError("conflict", `QuickBooks record changed during ${action}${said(failure)}`, {
      retryable: true,
      issues,
    });
  }
  return new RelanceError("provider_rejected", `QuickBooks rejected ${action}${said(failure)}`, { issues });
}
