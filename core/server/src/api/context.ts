import type { OpenAPIHono } from "@hono/zod-openapi";

/** What the auth middleware puts on every /v1 request. */
export interface AuthVariables {
  tenantId: string;
  apiKeyId: string;
}

export type ApiEnv = { Variables: AuthVariables };
export type ApiApp = OpenAPIHono<ApiEnv>;
