/**
 * Xero's identity service as the fake plays it (developer.xero.com/faq/oauth2, xero-identity.yaml):
 * authorisation codes bound to client, redirect URI and PKCE challenge; 30-minute access tokens;
 * refresh tokens that rotate on every use, the previous one still accepted for a grace period;
 * revocation of a whole grant; connections (one per organisation the user authorised).
 */
import { createHash, randomBytes, randomUUID } from "node:crypto";

export interface Connection {
  readonly id: string;
  readonly authEventId: string;
  readonly tenantId: string;
  readonly tenantType: "ORGANISATION" | "PRACTICEMANAGER" | "PRACTICE";
  readonly tenantName: string;
  readonly createdDateUtc: string;
  readonly updatedDateUtc: string;
}

interface Grant {
  readonly id: string;
  readonly scope: string;
  connections: Connection[];
  revoked: boolean;
  refreshToken: string;
  /** Refresh tokens replaced by a rotation, with the time they stop working. */
  readonly retired: Map<string, number>;
}

interface PendingCode {
  readonly grant: Grant;
  readonly redirectUri: string;
  readonly codeChallenge?: string;
  readonly expiresAt: number;
}

export interface TokenResponse {
  readonly access_token: string;
  readonly expires_in: number;
  readonly token_type: "Bearer";
  readonly refresh_token: string;
  readonly scope: string;
}

export type TokenResult = { readonly ok: true; readonly body: TokenResponse } | { readonly ok: false; readonly error: string };

const token = () => randomBytes(24).toString("base64url");

export class IdentityService {
  private readonly grants: Grant[] = [];
  private readonly codes = new Map<string, PendingCode>();
  private readonly accessTokens = new Map<string, { grant: Grant; expiresAt: number }>();
  refreshCalls = 0;

  constructor(
    private readonly now: () => number,
    private readonly accessTokenTtlSeconds: number,
    private readonly refreshGraceMs: number,
  ) {}

  /** Starts a grant for these organisations and returns the one-time code the redirect carries. */
  issueCode(
    scope: string,
    tenants: readonly { tenantId: string; tenantName: string; tenantType?: Connection["tenantType"] }[],
    redirectUri: string,
    codeChallenge?: string,
  ): string {
    const authEventId = randomUUID();
    const stamp = new Date(this.now()).toISOString();
    const grant: Grant = {
      id: randomUUID(),
      scope,
      connections: tenants.map((tenant) => ({
        id: randomUUID(),
        authEventId,
        tenantId: tenant.tenantId,
        tenantType: tenant.tenantType ?? "ORGANISATION",
        tenantName: tenant.tenantName,
        createdDateUtc: stamp,
        updatedDateUtc: stamp,
      })),
      revoked: false,
      refreshToken: token(),
      retired: new Map(),
    };
    this.grants.push(grant);
    const code = token();
    this.codes.set(code, {
      grant,
      redirectUri,
      ...(codeChallenge ? { codeChallenge } : {}),
      expiresAt: this.now() + 5 * 60_000,
    });
    return code;
  }

  exchangeCode(code: string, redirectUri: string | undefined, codeVerifier: string | undefined): TokenResult {
    const pending = this.codes.get(code);
    this.codes.delete(code);
    if (!pending || pending.expiresAt < this.now() || pending.redirectUri !== redirectUri)
      return { ok: false, error: "invalid_grant" };
    if (pending.codeChallenge !== undefined) {
      const computed = codeVerifier === undefined ? "" : createHash("sha256").update(codeVerifier).digest("base64url");
      if (computed !== pending.codeChallenge) return { ok: false, error: "invalid_grant" };
    }
    return { ok: true, body: this.tokens(pending.grant) };
  }

  refresh(refreshToken: string): TokenResult {
    this.refreshCalls++;
    const grant = this.grants.find((candidate) => candidate.refreshToken === refreshToken || candidate.retired.has(refreshToken));
    if (!grant || grant.revoked) return { ok: false, error: "invalid_grant" };
    if (grant.refreshToken !== refreshToken && (grant.retired.get(refreshToken) ?? 0) < this.now()) {
      return { ok: false, error: "invalid_grant" };
    }
    grant.retired.set(grant.refreshToken, this.now() + this.refreshGraceMs);
    grant.refreshToken = token();
    return { ok: true, body: this.tokens(grant) };
  }

  private tokens(grant: Grant): TokenResponse {
    const accessToken = token();
    this.accessTokens.set(accessToken, { grant, expiresAt: this.now() + this.accessTokenTtlSeconds * 1000 });
    return {
      access_token: accessToken,
      expires_in: this.accessTokenTtlSeconds,
      token_type: "Bearer",
      refresh_token: grant.refreshToken,
      scope: grant.scope,
    };
  }

  /** The grant behind a live access token, or undefined (unknown, expired, revoked). */
  grantOf(accessToken: string): Grant | undefined {
    const entry = this.accessTokens.get(accessToken);
    if (!entry || entry.expiresAt <= this.now() || entry.grant.revoked) return undefined;
    return entry.grant;
  }

  connectionsOf(accessToken: string): Connection[] | undefined {
    return this.grantOf(accessToken)?.connections;
  }

  disconnect(accessToken: string, connectionId: string): boolean {
    const grant = this.grantOf(accessToken);
    if (!grant?.connections.some((connection) => connection.id === connectionId)) return false;
    grant.connections = grant.connections.filter((connection) => connection.id !== connectionId);
    return true;
  }

  /** RFC 7009: revoking a refresh token ends the grant; unknown tokens are not an error. */
  revokeToken(value: string): void {
    for (const grant of this.grants) {
      if (grant.refreshToken === value || grant.retired.has(value)) grant.revoked = true;
    }
    this.accessTokens.delete(value);
  }

  expireAccessTokens(): void {
    for (const entry of this.accessTokens.values()) entry.expiresAt = 0;
  }

  revokeAll(): void {
    for (const grant of this.grants) grant.revoked = true;
  }

  /** Issues tokens directly (as if the consent had already happened), for tests that start connected. */
  connect(scope: string, tenants: readonly { tenantId: string; tenantName: string }[], redirectUri = "urn:test"): TokenResponse {
    const code = this.issueCode(scope, tenants, redirectUri);
    const result = this.exchangeCode(code, redirectUri, undefined);
    if (!result.ok) throw new Error(result.error);
    return result.body;
  }
}
