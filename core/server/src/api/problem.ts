/** RFC 9457 problem details: every error the API returns has this shape. */

import { z } from "@hono/zod-openapi";
import { describeIssue, type ErrorCode, formatIssuePath, type Issue, isRelanceError } from "@relance/core";
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";

export const problemSchema = z
  .object({
    type: z.string().openapi({ example: "https://relance.dev/problems/validation_failed" }),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().optional(),
    instance: z.string().optional(),
    code: z.string(),
    errors: z
      .array(
        z.object({
          path: z.string().optional(),
          line: z.number().int().optional(),
          column: z.string().optional(),
          message: z.string(),
          detail: z.string(),
        }),
      )
      .optional(),
    retryAfterMs: z.number().int().optional(),
  })
  .openapi("Problem");

export type Problem = z.infer<typeof problemSchema>;

const STATUS: Record<ErrorCode, ContentfulStatusCode> = {
  validation_failed: 422,
  not_found: 404,
  unauthorized: 401,
  forbidden: 403,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  provider_unavailable: 503,
  provider_rejected: 502,
  misconfigured: 500,
  internal: 500,
};

const TITLES: Record<number, string> = {
  400: "Bad request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not found",
  409: "Conflict",
  413: "Payload too large",
  415: "Unsupported media type",
  422: "Validation failed",
  429: "Too many requests",
  500: "Internal error",
  502: "Provider rejected the request",
  503: "Service unavailable",
};

export function problem(
  c: Context,
  status: ContentfulStatusCode,
  code: string,
  detail: string,
  extra: { issues?: readonly Issue[]; retryAfterMs?: number } = {},
): Response {
  const body: Problem = {
    type: `https://relance.dev/problems/${code}`,
    title: TITLES[status] ?? "Error",
    status,
    detail,
    instance: c.req.path,
    code,
    ...(extra.issues?.length ? { errors: extra.issues.map((issue) => ({ ...issue, detail: describeIssue(issue) })) } : {}),
    ...(extra.retryAfterMs === undefined ? {} : { retryAfterMs: extra.retryAfterMs }),
  };
  const headers: Record<string, string> = { "content-type": "application/problem+json" };
  if (status === 401) headers["www-authenticate"] = 'Bearer realm="relance"';
  if (extra.retryAfterMs !== undefined) headers["retry-after"] = String(Math.ceil(extra.retryAfterMs / 1000));
  return c.body(JSON.stringify(body), status, headers);
}

/** The one error handler: typed errors keep their meaning, anything else is a logged 500 without internals. */
export function toProblem(error: unknown, c: Context, log: (error: unknown) => void): Response {
  if (isRelanceError(error)) {
    const status = STATUS[error.code];
    if (status >= 500) log(error);
    return problem(
      c,
      status,
      error.code,
      status >= 500 && error.code !== "provider_unavailable" ? "internal error" : error.message,
      {
        issues: error.issues,
        ...(error.retryAfterMs === undefined ? {} : { retryAfterMs: error.retryAfterMs }),
      },
    );
  }
  if (error instanceof HTTPException) {
    const status = error.status as ContentfulStatusCode;
    return problem(c, status, status === 413 ? "payload_too_large" : "bad_request", error.message || TITLES[status] || "error");
  }
  log(error);
  return problem(c, 500, "internal", "internal error");
}

interface ZodIssueLike {
  readonly path: readonly PropertyKey[];
  readonly message: string;
  readonly code?: string;
  readonly keys?: readonly string[];
}

/**
 * Zod issues as API issues, paths written the way the rest of Relance writes them ("steps[3].offsetDays");
 * an unknown field is reported at its own path, not at the object holding it.
 */
export function issuesOfZod(issues: readonly ZodIssueLike[], root = "(body)"): Issue[] {
  return issues.flatMap((issue) =>
    issue.code === "unrecognized_keys" && issue.keys?.length
      ? issue.keys.map((key) => ({ path: formatIssuePath([...issue.path, key]), message: "unknown field" }))
      : [{ path: formatIssuePath(issue.path) || root, message: issue.message }],
  );
}

/** zod-openapi's defaultHook: request validation failures become 422 with one entry per field. */
export function validationHook(
  result: { success: true } | { success: false; error: { issues: readonly ZodIssueLike[] } },
  c: Context,
): Response | undefined {
  if (result.success) return undefined;
  return problem(c, 422, "validation_failed", "the request is not valid", { issues: issuesOfZod(result.error.issues) });
}
