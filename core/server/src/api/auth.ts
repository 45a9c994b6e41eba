import type { MiddlewareHandler } from "hono";
import type { ApiEnv } from "./context";
import { problem } from "./problem";
import type { ApiServices } from "./services";

/** Bearer API keys, one tenant each. Unknown, revoked and malformed keys all get the same 401. */
export function requireApiKey(services: ApiServices): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    const header = c.req.header("authorization") ?? "";
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    const identity = match?.[1] ? await services.store.authenticateApiKey(match[1]) : undefined;
    if (!identity) return problem(c, 401, "unauthorized", "a valid API key is required: Authorization: Bearer <key>");
    c.set("tenantId", identity.tenantId);
    c.set("apiKeyId", identity.keyId);
    await next();
  };
}
