/** The ledger apps of the tests: the server's settings pointing at the fakes, and a browser going through consent. */
import { expect } from "vitest";
import type { FakeQuickBooks } from "../fakes/quickbooks";
import type { FakeXero } from "../fakes/xero";
import { readJson } from "./json";
import type { System } from "./system";

export function xeroEnv(fake: FakeXero, redirectUri: string): Record<string, string> {
  return {
    XERO_CLIENT_ID: fake.clientId,
    XERO_CLIENT_SECRET: fake.clientSecret,
    XERO_REDIRECT_URI: redirectUri,
    XERO_WEBHOOK_KEY: fake.webhookKey,
    XERO_API_BASE_URL: fake.apiBaseUrl,
    XERO_IDENTITY_BASE_URL: fake.identityBaseUrl,
    XERO_LOGIN_BASE_URL: fake.loginBaseUrl,
  };
}

export function quickbooksEnv(fake: FakeQuickBooks, redirectUri: string): Record<string, string> {
  return {
    QBO_CLIENT_ID: fake.clientId,
    QBO_CLIENT_SECRET: fake.clientSecret,
    QBO_REDIRECT_URI: redirectUri,
    QBO_WEBHOOK_VERIFIER_TOKEN: fake.verifierToken,
    QBO_API_BASE_URL: fake.apiBaseUrl,
    INTUIT_OAUTH_BASE_URL: fake.oauthBaseUrl,
    QBO_ENVIRONMENT: "sandbox",
  };
}

export interface Consent {
  /** The answer to "connect" (its Set-Cookie header included). */
  readonly started: Response;
  /** The cookie the browser keeps, as `name=value`. */
  readonly cookie: string;
  readonly authorizationUrl: string;
  /** Where the provider sent the browser back. */
  readonly redirectedTo: URL;
  /** The API path of that callback, with the provider's query. */
  readonly callback: string;
}

/** Starts connecting a ledger and follows the consent URL the way a browser would (the fakes consent at once). */
export async function consentThroughBrowser(system: System, plugin: string, name?: string): Promise<Consent> {
  const started = await system.request(`/v1/ledgers/${plugin}/connect`, {
    method: "POST",
    ...(name === undefined ? {} : { headers: { "content-type": "application/json" }, body: JSON.stringify({ name }) }),
  });
  expect(started.status).toBe(201);
  const cookie = (started.headers.get("set-cookie") ?? "").split(";")[0] as string;
  const { authorizationUrl } = await readJson(started.clone());
  const redirect = await fetch(authorizationUrl, { redirect: "manual" });
  expect(redirect.status).toBe(302);
  const redirectedTo = new URL(redirect.headers.get("location") as string);
  return { started, cookie, authorizationUrl, redirectedTo, callback: `/oauth/${plugin}/callback${redirectedTo.search}` };
}
