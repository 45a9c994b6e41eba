/**
 * The connect flow against Xero's identity service. xero-node's XeroClient drives refresh and
 * revocation through its openid-client, which we build ourselves from the configured URLs (no
 * discovery against identity.xero.com, no process-wide defaults). The consent URL and the code
 * exchange carry PKCE, which XeroClient's own helpers do not pass, so they use that client directly.
 * The connections endpoint (a hard-coded host inside the SDK) is called with fetch.
 */
import { type OAuthAccount, type OAuthFlow, type OAuthTokens, RelanceError } from "@relance/core";
import { type Client, custom, Issuer, type TokenSet } from "openid-client";
import { XeroClient } from "xero-node";
import { z } from "zod";
import type { XeroApp } from "./settings";

/** Xero: a refresh token unused for 60 days expires. */
const REFRESH_TOKEN_LIFETIME_MS = 60 * 86_400_000;

function openIdClient(app: XeroApp): Client {
  const issuer = new Issuer({
    issuer: app.identityBaseUrl,
    authorization_endpoint: `${app.loginBaseUrl}/identity/connect/authorize`,
    token_endpoint: `${app.identityBaseUrl}/connect/token`,
    revocation_endpoint: `${app.identityBaseUrl}/connect/revocation`,
  });
  const client = new issuer.Client({
    client_id: app.clientId,
    client_secret: app.clientSecret,
    redirect_uris: [app.redirectUri],
    response_types: ["code"],
    token_endpoint_auth_method: "client_secret_basic",
  });
  client[custom.http_options] = (_url, options) => ({ ...options, timeout: app.httpTimeoutMs });
  return client;
}

function xeroClient(app: XeroApp): XeroClient {
  const xero = new XeroClient({
    clientId: app.clientId,
    clientSecret: app.clientSecret,
    redirectUris: [app.redirectUri],
    scopes: app.scopes,
    httpTimeout: app.httpTimeoutMs,
  });
  xero.openIdClient = openIdClient(app);
  return xero;
}

function toTokens(set: TokenSet, now: number): OAuthTokens {
  if (!set.access_token || !set.refresh_token) {
    throw new RelanceError(
      "provider_rejected",
      "Xero answered without an access and refresh token (is offline_access among the scopes?)",
    );
  }
  const expiresAt = set.expires_at !== undefined ? set.expires_at * 1000 : now + 1_800_000;
  return {
    accessToken: set.access_token,
    refreshToken: set.refresh_token,
    expiresAt,
    ...(set.scope ? { scope: set.scope } : {}),
    refreshTokenExpiresAt: now + REFRESH_TOKEN_LIFETIME_MS,
  };
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null;

/** openid-client's OPError (the provider said no), RPError (timeout, bad answer) or a network error. */
export function identityError(error: unknown, action: string): RelanceError {
  if (error instanceof RelanceError) return error;
  const record = isRecord(error) ? error : {};
  const code = typeof record.error === "string" ? record.error : undefined;
  const response = isRecord(record.response) ? record.response : {};
  const status = typeof response.statusCode === "number" ? response.statusCode : undefined;
  if (code === "invalid_grant") {
    return new RelanceError("unauthorized", `Xero refused the grant on ${action}: the organisation must be connected again`);
  }
  if (code === "invalid_client" || code === "unauthorized_client") {
    return new RelanceError("misconfigured", `Xero refused the app's client id or secret on ${action}`);
  }
  if (status !== undefined && status < 500 && status !== 429) {
    return new RelanceError("provider_rejected", `Xero rejected ${action} (HTTP ${status}${code ? `, ${code}` : ""})`);
  }
  const retryAfter = typeof record.retryAfter === "number" ? record.retryAfter : undefined;
  if (status === 429)
    return new RelanceError("rate_limited", `Xero rate limit on ${action}`, {
      retryable: true,
      ...(retryAfter ? { retryAfterMs: retryAfter } : {}),
    });
  const message = error instanceof Error ? error.message : String(error);
  return new RelanceError(
    "provider_unavailable",
    `Xero identity service unavailable on ${action}${status ? ` (HTTP ${status})` : ""}: ${message}`,
    {
      retryable: true,
    },
  );
}

const connectionsSchema = z.array(
  z
    .object({
      id: z.string().min(1),
      tenantId: z.string().min(1),
      tenantType: z.string(),
      tenantName: z.string().nullish(),
    })
    .loose(),
);

async function connectionsCall(app: XeroApp, accessToken: string, method: "GET" | "DELETE", path = ""): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(`${app.apiBaseUrl}/connections${path}`, {
      method,
      headers: { Authorization: `Bearer ${accessToken}`, Accept: "application/json" },
      signal: AbortSignal.timeout(app.httpTimeoutMs),
    });
  } catch (error) {
    throw new RelanceError(
      "provider_unavailable",
      `Xero connections could not be reached (${error instanceof Error ? error.message : String(error)})`,
      {
        retryable: true,
      },
    );
  }
  if (response.ok || (method === "DELETE" && response.status === 404)) return response;
  const action = `${method} connections`;
  if (response.status === 401) throw new RelanceError("unauthorized", `Xero refused the access token on ${action}`);
  if (response.status === 429 || response.status >= 500) {
    throw new RelanceError(
      response.status === 429 ? "rate_limited" : "provider_unavailable",
      `Xero failed on ${action} (HTTP ${response.status})`,
      {
        retryable: true,
      },
    );
  }
  throw new RelanceError("provider_rejected", `Xero rejected ${action} (HTTP ${response.status})`);
}

/** The organisations a token opens; practice-manager tenants are not ledgers. */
export async function listOrganisations(app: XeroApp, accessToken: string): Promise<OAuthAccount[]> {
  const response = await connectionsCall(app, accessToken, "GET");
  const parsed = connectionsSchema.safeParse(await response.json());
  if (!parsed.success) throw new RelanceError("provider_rejected", "Xero connections answer is not a list of connections");
  return parsed.data
    .filter((connection) => connection.tenantType === "ORGANISATION")
    .map((connection) => ({
      id: connection.tenantId,
      name: connection.tenantName || connection.tenantId,
      grantId: connection.id,
    }));
}

export const xeroOAuth: OAuthFlow<XeroApp> = {
  connectionConfig: (account) => ({ tenantId: account.id, tenantName: account.name }),
  authorizationUrl(app, { state, codeChallenge }) {
    return openIdClient(app).authorizationUrl({
      redirect_uri: app.redirectUri,
      scope: app.scopes.join(" "),
      state,
      ...(codeChallenge ? { code_challenge: codeChallenge, code_challenge_method: "S256" } : {}),
    });
  },

  async exchangeCode(app, callback) {
    const state = callback.query.state;
    let set: TokenSet;
    try {
      set = await openIdClient(app).oauthCallback(
        app.redirectUri,
        { code: callback.code, ...(state ? { state } : {}) },
        {
          response_type: "code",
          ...(state ? { state } : {}),
          ...(callback.codeVerifier ? { code_verifier: callback.codeVerifier } : {}),
        },
      );
    } catch (error) {
      throw identityError(error, "code exchange");
    }
    const tokens = toTokens(set, Date.now());
    return { tokens, accounts: await listOrganisations(app, tokens.accessToken) };
  },

  async refresh(app, tokens) {
    const xero = xeroClient(app);
    xero.setTokenSet({
      access_token: tokens.accessToken,
      refresh_token: tokens.refreshToken,
      token_type: "Bearer",
      expires_at: Math.floor(tokens.expiresAt / 1000),
      ...(tokens.scope ? { scope: tokens.scope } : {}),
    });
    try {
      return toTokens(await xero.refreshToken(), Date.now());
    } catch (error) {
      throw identityError(error, "token refresh");
    }
  },

  /**
   * With an account: removes that organisation's connection, and ends the grant only when no other
   * organisation still uses it. Without one: ends the grant (every organisation it opened).
   */
  async revoke(app, tokens, account) {
    if (account?.grantId) {
      await connectionsCall(app, tokens.accessToken, "DELETE", `/${encodeURIComponent(account.grantId)}`);
      if ((await listOrganisations(app, tokens.accessToken)).length > 0) return;
    }
    const xero = xeroClient(app);
    xero.setTokenSet({ access_token: tokens.accessToken, refresh_token: tokens.refreshToken, token_type: "Bearer" });
    try {
      await xero.revokeToken();
    } catch (error) {
      throw identityError(error, "revocation");
    }
  },
};
