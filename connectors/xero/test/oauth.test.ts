import { createHash, randomBytes } from "node:crypto";
import { RelanceError } from "@relance/core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type FakeXero, startFakeXero } from "../../../test/fakes/xero";
import { DEFAULT_SCOPES, xeroConnector } from "../src";
import { appFor } from "./harness";

let fake: FakeXero;
let now = Date.parse("2025-03-01T10:00:00Z");

beforeEach(async () => {
  now = Date.parse("2025-03-01T10:00:00Z");
  fake = await startFakeXero({
    organisations: [{ name: "Acme Ltd" }, { name: "Acme SAS" }, { name: "Acme Inc" }],
    now: () => new Date(now),
  });
});

afterEach(async () => {
  await fake.close();
});

const oauth = () => {
  if (!xeroConnector.oauth) throw new Error("no oauth flow");
  return xeroConnector.oauth;
};

function pkce() {
  const verifier = randomBytes(32).toString("base64url");
  return { verifier, challenge: createHash("sha256").update(verifier).digest("base64url") };
}

/** Follows the consent URL to the fake's auto-consent and reads the redirect's query. */
async function consent(url: string): Promise<URLSearchParams> {
  const response = await fetch(url, { redirect: "manual" });
  expect(response.status).toBe(302);
  return new URL(response.headers.get("location") ?? "").searchParams;
}

describe("connect flow", () => {
  it("builds the consent URL with exact redirect URI, scopes, state and S256 challenge", async () => {
    const app = appFor(fake);
    const url = new URL(await oauth().authorizationUrl(app, { state: "st-1", codeChallenge: "abc" }));
    expect(`${url.origin}${url.pathname}`).toBe(`${fake.loginBaseUrl}/identity/connect/authorize`);
    expect(Object.fromEntries(url.searchParams)).toEqual({
      client_id: fake.clientId,
      response_type: "code",
      redirect_uri: "https://relance.example/oauth/xero/callback",
      scope: DEFAULT_SCOPES.join(" "),
      state: "st-1",
      code_challenge: "abc",
      code_challenge_method: "S256",
    });
    expect(DEFAULT_SCOPES).not.toContain("openid");
  });

  it("exchanges the code with the PKCE verifier and lists only the organisations consented to", async () => {
    const app = appFor(fake);
    const [first, second] = fake.organisations;
    fake.consentTo([first!.tenantId, second!.tenantId]);
    const { verifier, challenge } = pkce();
    const query = await consent(await oauth().authorizationUrl(app, { state: "st-2", codeChallenge: challenge }));
    expect(query.get("state")).toBe("st-2");
    const result = await oauth().exchangeCode(app, {
      code: query.get("code") ?? "",
      codeVerifier: verifier,
      query: Object.fromEntries(query),
    });
    expect(result.tokens.accessToken).toBeTruthy();
    expect(result.tokens.refreshToken).toBeTruthy();
    // openid-client turns expires_in (1800 s) into an expiry on the local clock.
    expect(result.tokens.expiresAt).toBeGreaterThan(Date.now() + 1_700_000);
    expect(result.tokens.expiresAt).toBeLessThanOrEqual(Date.now() + 1_800_000);
    expect(result.accounts.map((account) => account.name).sort()).toEqual(["Acme Ltd", "Acme SAS"]);
    expect(result.accounts.map((account) => account.id).sort()).toEqual([first!.tenantId, second!.tenantId].sort());
    expect(result.accounts.every((account) => account.grantId)).toBe(true);
    const exchange = fake.calls.find((call) => call.path === "/connect/token");
    expect(exchange?.host).toBe("identity");
  });

  it("refuses a code exchanged with the wrong verifier", async () => {
    const app = appFor(fake);
    const { challenge } = pkce();
    const query = await consent(await oauth().authorizationUrl(app, { state: "st-3", codeChallenge: challenge }));
    const attempt = oauth().exchangeCode(app, {
      code: query.get("code") ?? "",
      codeVerifier: pkce().verifier,
      query: Object.fromEntries(query),
    });
    await expect(attempt).rejects.toMatchObject({ code: "unauthorized", retryable: false });
  });

  it("rotates the refresh token; the old one works during the grace period only", async () => {
    const app = appFor(fake);
    const issued = fake.connect();
    const tokens = { accessToken: issued.access_token, refreshToken: issued.refresh_token, expiresAt: now + 1_800_000 };
    const refreshed = await oauth().refresh(app, tokens);
    expect(refreshed.refreshToken).not.toBe(tokens.refreshToken);
    expect(refreshed.accessToken).not.toBe(tokens.accessToken);
    // The answer was "lost": the previous refresh token still works within 30 minutes.
    now += 10 * 60_000;
    const retried = await oauth().refresh(app, tokens);
    expect(retried.accessToken).toBeTruthy();
    now += 31 * 60_000;
    await expect(oauth().refresh(app, tokens)).rejects.toMatchObject({ code: "unauthorized", retryable: false });
    expect(fake.refreshCalls).toBe(3);
  });

  it("treats a revoked grant as unauthorized and an unreachable identity service as retryable", async () => {
    const app = appFor(fake);
    const issued = fake.connect();
    const tokens = { accessToken: issued.access_token, refreshToken: issued.refresh_token, expiresAt: now };
    fake.revokeGrant();
    const refused = await oauth()
      .refresh(app, tokens)
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(RelanceError);
    expect(refused).toMatchObject({ code: "unauthorized", retryable: false });
    const down = appFor(fake, { identityBaseUrl: "http://127.0.0.1:9/identity" });
    await expect(oauth().refresh(down, tokens)).rejects.toMatchObject({ code: "provider_unavailable", retryable: true });
  });

  it("disconnects one organisation and revokes the grant once none is left", async () => {
    const app = appFor(fake);
    const [first, second] = fake.organisations;
    const issued = fake.connect([first!.tenantId, second!.tenantId]);
    const tokens = { accessToken: issued.access_token, refreshToken: issued.refresh_token, expiresAt: now + 1_800_000 };
    const list = async () =>
      (await (
        await fetch(`${fake.apiBaseUrl}/connections`, { headers: { Authorization: `Bearer ${tokens.accessToken}` } })
      ).json()) as {
        id: string;
        tenantId: string;
      }[];
    const connections = await list();
    const one = connections.find((connection) => connection.tenantId === first!.tenantId);
    await oauth().revoke(app, tokens, { id: first!.tenantId, name: "Acme Ltd", grantId: one!.id });
    expect((await list()).map((connection) => connection.tenantId)).toEqual([second!.tenantId]);
    expect(fake.calls.some((call) => call.path === "/connect/revocation")).toBe(false);
    const other = (await list())[0];
    await oauth().revoke(app, tokens, { id: second!.tenantId, name: "Acme SAS", grantId: other!.id });
    expect(fake.calls.filter((call) => call.path === "/connect/revocation")).toHaveLength(1);
    await expect(oauth().refresh(app, tokens)).rejects.toMatchObject({ code: "unauthorized" });
  });
});
