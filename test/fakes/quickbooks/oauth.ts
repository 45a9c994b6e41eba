/**
 * The fake Intuit OAuth 2.0 server: authorize (auto-consent), token (authorization_code and
 * refresh_token grants, Basic client authentication, rotating refresh tokens) and revoke.
 * Paths as Intuit serves them: /connect/oauth2, /oauth2/v1/tokens/bearer, /v2/oauth2/tokens/revoke.
 */
import { randomBytes } from "node:crypto";

export interface Grant {
  readonly id: string;
  readonly realmId: string;
  revoked: boolean;
}

interface AccessToken {
  readonly grant: Grant;
  expiresAt: number;
}

interface RefreshToken {
  readonly grant: Grant;
  readonly expiresAt: number;
  /** Replaced by a newer one: using it again is refused, as after a rotation. */
  rotated: boolean;
}

export interface OAuthAnswer {
  readonly status: number;
  readonly body?: unknown;
  readonly location?: string;
}

export interface OAuthSettings {
  readonly clientId: string;
  readonly clientSecret: string;
  /** When set, only these redirect URIs are accepted. */
  readonly redirectUris: readonly string[] | undefined;
  readonly accessTokenTtlSeconds: number;
  readonly refreshTokenTtlSeconds: number;
  readonly consentRealmId: () => string;
  readonly now: () => Date;
}

const token = (prefix: string) => `${prefix}${randomBytes(24).toString("base64url")}`;
const invalidGrant = { status: 400, body: { error: "invalid_grant" } } as const;

export class FakeIntuitOAuth {
  private readonly codes = new Map<string, { realmId: string; redirectUri: string; used: boolean }>();
  private readonly grants: Grant[] = [];
  private readonly accessTokens = new Map<string, AccessToken>();
  private readonly refreshTokens = new Map<string, RefreshToken>();
  refreshCalls = 0;
  tokenCalls = 0;

  constructor(private readonly settings: OAuthSettings) {}

  authorize(query: URLSearchParams): OAuthAnswer {
    const problems: string[] = [];
    if (query.get("client_id") !== this.settings.clientId) problems.push("client_id");
    if (query.get("response_type") !== "code") problems.push("response_type");
    const scopes = (query.get("scope") ?? "").split(/\s+/).filter(Boolean);
    if (!scopes.some((scope) => scope.startsWith("com.intuit.quickbooks.") || scope === "openid")) problems.push("scope");
    if (!query.get("state")) problems.push("state");
    const redirectUri = query.get("redirect_uri") ?? "";
    const allowed = this.settings.redirectUris;
    if (!/^https?:\/\//.test(redirectUri) || (allowed !== undefined && !allowed.includes(redirectUri)))
      problems.push("redirect_uri");
    if (problems.length > 0)
      return { status: 400, body: { error: "invalid_request", error_description: `invalid ${problems.join(", ")}` } };
    const code = token("AB11");
    const realmId = this.settings.consentRealmId();
    this.codes.set(code, { realmId, redirectUri, used: false });
    const location = new URL(redirectUri);
    location.searchParams.set("code", code);
    location.searchParams.set("state", query.get("state") ?? "");
    location.searchParams.set("realmId", realmId);
    return { status: 302, location: location.toString() };
  }

  private clientAuthenticated(authorization: string | undefined): boolean {
    const match = /^Basic\s+(.+)$/i.exec(authorization ?? "");
    if (!match) return false;
    const decoded = Buffer.from(match[1] ?? "", "base64").toString("utf8");
    return decoded === `${this.settings.clientId}:${this.settings.clientSecret}`;
  }

  /** Issues tokens for a realm without the browser dance (tests that start connected). */
  issue(realmId: string) {
    const grant: Grant = { id: token("g"), realmId, revoked: false };
    this.grants.push(grant);
    return this.mint(grant);
  }

  private mint(grant: Grant) {
    const now = this.settings.now().getTime();
    const accessToken = token("eyJlbmMiOiJBMTI4Q0JDLUhTMjU2");
    const refreshToken = token("AB11");
    this.accessTokens.set(accessToken, { grant, expiresAt: now + this.settings.accessTokenTtlSeconds * 1000 });
    this.refreshTokens.set(refreshToken, {
      grant,
      expiresAt: now + this.settings.refreshTokenTtlSeconds * 1000,
      rotated: false,
    });
    return {
      token_type: "bearer",
      access_token: accessToken,
      refresh_token: refreshToken,
      expires_in: this.settings.accessTokenTtlSeconds,
      x_refresh_token_expires_in: this.settings.refreshTokenTtlSeconds,
    };
  }

  token(authorization: string | undefined, form: URLSearchParams): OAuthAnswer {
    this.tokenCalls += 1;
    if (!this.clientAuthenticated(authorization)) return { status: 401, body: { error: "invalid_client" } };
    const grantType = form.get("grant_type");
    if (grantType === "authorization_code") {
      const code = this.codes.get(form.get("code") ?? "");
      if (!code || code.used || code.redirectUri !== form.get("redirect_uri")) return invalidGrant;
      code.used = true;
      const grant: Grant = { id: token("g"), realmId: code.realmId, revoked: false };
      this.grants.push(grant);
      return { status: 200, body: this.mint(grant) };
    }
    if (grantType === "refresh_token") {
      this.refreshCalls += 1;
      const refresh = this.refreshTokens.get(form.get("refresh_token") ?? "");
      if (!refresh || refresh.rotated || refresh.grant.revoked || refresh.expiresAt <= this.settings.now().getTime()) {
        return invalidGrant;
      }
      refresh.rotated = true;
      return { status: 200, body: this.mint(refresh.grant) };
    }
    return { status: 400, body: { error: "unsupported_grant_type" } };
  }

  revoke(authorization: string | undefined, tokenValue: string | undefined): OAuthAnswer {
    if (!this.clientAuthenticated(authorization)) return { status: 401, body: { error: "invalid_client" } };
    const grant = this.refreshTokens.get(tokenValue ?? "")?.grant ?? this.accessTokens.get(tokenValue ?? "")?.grant;
    if (!grant) return { status: 400, body: { error: "invalid_token" } };
    grant.revoked = true;
    return { status: 200 };
  }

  /** The realm a bearer token opens, or why it does not. */
  authenticate(authorization: string | undefined): { realmId: string } | { problem: string } {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? "");
    if (!match) return { problem: "Authorization header missing or not a bearer token" };
    const access = this.accessTokens.get(match[1] ?? "");
    if (!access) return { problem: "Token invalid" };
    if (access.grant.revoked) return { problem: "Token revoked" };
    if (access.expiresAt <= this.settings.now().getTime()) return { problem: "Token expired" };
    return { realmId: access.grant.realmId };
  }

  expireAccessTokens(): void {
    for (const access of this.accessTokens.values()) access.expiresAt = 0;
  }

  revokeGrants(realmId: string | undefined): void {
    for (const grant of this.grants) if (realmId === undefined || grant.realmId === realmId) grant.revoked = true;
  }
}
