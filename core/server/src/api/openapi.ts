import { problemSchema } from "./problem";

const DESCRIPTIONS: Record<number, string> = {
  401: "Missing or invalid API key",
  404: "Not found (or not yours)",
  409: "Conflict with the current state",
  413: "Body too large",
  415: "Unsupported media type",
  422: "Invalid request, with one entry per problem",
  503: "A dependency is unavailable",
};

/** Problem+json responses for a route's error statuses, for the OpenAPI document. */
export function problemResponses<const S extends number>(...statuses: S[]) {
  return Object.fromEntries(
    statuses.map((status) => [
      status,
      { description: DESCRIPTIONS[status] ?? "Error", content: { "application/problem+json": { schema: problemSchema } } },
    ]),
  ) as Record<S, { description: string; content: { "application/problem+json": { schema: typeof problemSchema } } }>;
}
