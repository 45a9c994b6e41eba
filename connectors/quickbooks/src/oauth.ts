/**
 * Intuit's OAuth 2.0 authorization-code flow, with plain form posts (node-quickbooks' token helpers go
 * through module-level statics, which one process cannot share between apps or a test fake).
 * https://developer.intuit.com/app/developer/qbo/docs/develop/authentication-and-authorization/oauth-2.0
 * No PKCE: Intuit's authorization request documents client_id, scope, redirect_uri, response_type and
 * state only, and its discovery document lists no code_challenge_methods_supported.
 */
import { type OAuthAccount, type OAuthFlow, type OAuthTokens, RelanceError } from "@relance/core";
import { z } from "zod";
import { createQboClient } from "./client";
import { oauthEndpoints, type QuickBooksApp } from "./settings";

const tokenResponseSchema = z
  .object({
    access_token: z.string().min(1),
    refresh_token: z.string().min(1),
    expires_in: z.coerce.number().positive(),
    x_refresh_token_expires_in: z.coerce.number().positive().optional(),
    token_type: z.string().optional(),
    scope: z.string().optional(),
  })
  .loose();

const errorBodySchema = z.object({ error: z.string(), error_description: z.string().optional() }).loose();

function basicAuth(app: QuickBooksApp): string {
  return `Basic ${Buffer.from(`${app.clientId}:${app.clientSecret}`, "utf8").toString("base64")}`;
}

async function post(url: string, app: QuickBooksApp, body: string, contentType: string, action: string): Promise<Response> {
  try {
    return await fetch(url, {
      method: "POST",
      headers: { Accept: "application/json", "Content-Type": contentType, Authorization: basicAuth(app) },
      body,
    });
  } catch (error) {
    const reason =
      error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : "network error";
    throw new RelanceError("provider_unavailable", `Intuit could not be reached for ${action} (${reason})`, { retryable: true });
  }
}

async function failure(response: Response, action: string): Promise<RelanceError> {
  const parsed = errorBodySchema.safeParse(await response.json().catch(() => undefined));
  const code = parsed.success ? parsed.data.error : undefined;
  const said = code
    ? `: ${code}${parsed.success && parsed.data.error_description ? ` (${parsed.data.error_description})` : ""}`
    : "";
  if (response.status === 429) {
    return new RelanceError("rate_limited", `Intuit throttled ${action}${said}`, { retryable: true, retryAfterMs: 60_000 });
  }
  if (response.status >= 500) {
    return new RelanceError("provider_unavailable", `Intuit failed on ${action} (HTTP ${response.status})${said}`, {
      retryable: true,
    });
  }
  if (code === "invalid_grant") {
    return new RelanceError("unauthorized", `Intuit refused the grant on ${action}: the company must be connected again`);
  }
  if (code === "invalid_client" || response.status === 401) {
    return new RelanceError("misconfigured", `Intuit refused the app credentials on ${action}${said}`);
  }
  return new RelanceError("provider_rejected", `Intuit rejected ${action} (HTTP ${response.status})${said}`);
}

async function tokenRequest(app: QuickBooksApp, form: Record<string, string>, action: string): Promise<OAuthTokens> {
  const startedAt = Date.now();
  const response = await post(
    oauthEndpoints(app).tokenUrl,
    app,
    new URLSearchParams(form).toString(),
    "application/x-www-form-urlencoded",
    action,
  );
  if (!response.ok) throw await failure(response, action);
  const parsed = tokenResponseSchema.safeParse(await response.json().catch(() => undefined));
  if (!parsed.success) {
    throw new RelanceError("provider_unavailable", `Intuit answered ${action} without tokens`, { retryable: true });
  }
  const tokens = parsed.data;
  return {
    accessToken: tokens.access_token,
    refreshToken: tokens.refresh_token,
    // Measured from before the request: a token is never believed valid longer than it is.
    expiresAt: startedAt + tokens.expires_in * 1000,
    ...(tokens.scope ? { scope: tokens.scope } : {}),
    ...(tokens.x_refresh_token_expires_in === undefined
      ? {}
      : { refreshTokenExpiresAt: startedAt + tokens.x_refresh_token_expires_in * 1000 }),
  };
}

/**
 * The realm id of Intuit's callback comes from the browser's URL, so it proves nothing by itself. The
 * company's own CompanyInfo, read with the access token just issued, does: Intuit answers it only for
 * the company the grant was given for (403 for any other). Its name labels the connection.
 */
async function confirmedCompanyName(app: QuickBooksApp, realmId: string, accessToken: string): Promise<string> {
  const client = createQboClient({
    app,
    realmId,
    clock: { now: () => new Date() },
    tokens: {
      accessToken: async () => accessToken,
      rejected: async () => {
        throw new RelanceError("unauthorized", "Intuit refused the access token it just issued");
      },
    },
  });
  const refused = (why: string) =>
    new RelanceError(
      "forbidden",
      `QuickBooks did not confirm company ${realmId} for the access just granted (${why}): the company was not connected`,
      { issues: [{ path: "realmId", message: "not the company the grant was given for" }] },
    );
  let answer: unknown;
  try {
    answer = await client.companyInfo();
  } catch (error) {
    // Intuit throttled or failed: no verdict on the realm, and the flow fails with what happened.
    if (error instanceof RelanceError && error.retryable) throw error;
    throw refused(error instanceof Error ? error.message : "the company read failed");
  }
  const info = z
    .object({ CompanyName: z.string().min(1) })
    .loose()
    .safeParse(answer);
  if (!info.success) throw refused("its CompanyInfo names no company");
  return info.data.CompanyName;
}

export const quickbooksOAuth: OAuthFlow<QuickBooksApp> = {
  connectionConfig: (account) => ({ realmId: account.id, companyName: account.name }),
  authorizationUrl(app, { state }) {
    const url = new URL(oauthEndpoints(app).authorizeUrl);
    url.searchParams.set("client_id", app.clientId);
    url.searchParams.set("response_type", "code");
    url.searchParams.set("scope", app.scopes.join(" "));
    url.searchParams.set("redirect_uri", app.redirectUri);
    url.searchParams.set("state", state);
    return url.toString();
  },

  async exchangeCode(app, callback) {
    const realmId = callback.query.realmId;
    if (!realmId || !/^\d{1,30}$/.test(realmId)) {
      throw new RelanceError("validation_failed", "Intuit's callback names no QuickBooks company", {
        issues: [{ path: "realmId", message: "missing or not a realm id" }],
      });
    }
    const tokens = await tokenRequest(
      app,
      { grant_type: "authorization_code", code: callback.code, redirect_uri: app.redirectUri },
      "the authorization code exchange",
    );
    const account: OAuthAccount = { id: realmId, name: await confirmedCompanyName(app, realmId, tokens.accessToken) };
    return { tokens, accounts: [account] };
  },

  refresh: (app, tokens) =>
    tokenRequest(app, { grant_type: "refresh_token", refresh_token: tokens.refreshToken }, "the token refresh"),

  async revoke(app, tokens) {
    const action = "the token revocation";
    const response = await post(
      oauthEndpoints(app).revokeUrl,
      app,
      JSON.stringify({ token: tokens.refreshToken }),
      "application/json",
      action,
    );
    // 400: the token is already invalid, which is what revoking wants.
    if (response.ok || response.status === 400) return;
    throw await failure(response, action);
  },
};
