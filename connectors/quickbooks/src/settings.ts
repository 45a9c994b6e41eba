/**
 * Settings of the QuickBooks Online connector: the deployment's Intuit app (`appSchema`), each
 * connection's company and write-back switches (`configSchema`). Tokens never sit in secrets: they
 * arrive through `ctx.tokens`.
 */
import { currencySchema, writeBackSwitchesSchema } from "@relance/core";
import { z } from "zod";

export const INTUIT_AUTHORIZE_URL = "https://appcenter.intuit.com/connect/oauth2";
export const INTUIT_TOKEN_URL = "https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer";
export const INTUIT_REVOKE_URL = "https://developer.api.intuit.com/v2/oauth2/tokens/revoke";
export const PRODUCTION_API_BASE_URL = "https://quickbooks.api.intuit.com";
export const SANDBOX_API_BASE_URL = "https://sandbox-quickbooks.api.intuit.com";
export const ACCOUNTING_SCOPE = "com.intuit.quickbooks.accounting";

const httpUrl = z.url({ protocol: /^https?$/ });

export const quickbooksAppSchema = z.object({
  clientId: z.string().min(1),
  clientSecret: z.string().min(1),
  /** Must match one of the app's redirect URIs exactly. */
  redirectUri: httpUrl,
  /** Webhooks verifier token from the app's dashboard; without it every webhook is refused. */
  webhookVerifierToken: z.string().min(1).optional(),
  environment: z.enum(["sandbox", "production"]).default("production"),
  /** Accounting API host, without `/v3/company`; defaults by environment. */
  apiBaseUrl: httpUrl.optional(),
  /**
   * Replaces the scheme and host of Intuit's three OAuth endpoints (the server sets it from
   * INTUIT_OAUTH_BASE_URL), keeping their paths: `/connect/oauth2`, `/oauth2/v1/tokens/bearer`,
   * `/v2/oauth2/tokens/revoke`.
   */
  oauthBaseUrl: httpUrl.optional(),
  /** Intuit ignores minor versions below 75 since August 2025. */
  minorVersion: z.number().int().min(75).default(75),
  scopes: z.array(z.string().min(1)).min(1).default([ACCOUNTING_SCOPE]),
});

export const quickbooksConfigSchema = z.object({
  /** The QuickBooks company id (realmId), given by Intuit on the OAuth callback. */
  realmId: z.string().regex(/^\d{1,30}$/, "a QuickBooks realm id is numeric"),
  companyName: z.string().min(1).max(500).optional(),
  /**
   * The company's home currency, for records without CurrencyRef (single-currency companies).
   * When absent it is read once from the company's Preferences.
   */
  homeCurrency: currencySchema.optional(),
  writeBack: writeBackSwitchesSchema,
  /** A service Item used for the single line of late-fee invoices. */
  lateFeeItemId: z.string().min(1).optional(),
});

export const quickbooksSecretsSchema = z.object({});

export type QuickBooksApp = z.infer<typeof quickbooksAppSchema>;
export type QuickBooksConfig = z.infer<typeof quickbooksConfigSchema>;
export type QuickBooksSecrets = z.infer<typeof quickbooksSecretsSchema>;

export interface OAuthEndpoints {
  readonly authorizeUrl: string;
  readonly tokenUrl: string;
  readonly revokeUrl: string;
}

function rebase(url: string, base: string | undefined): string {
  if (base === undefined) return url;
  const target = new URL(url);
  const origin = new URL(base);
  // Keeps a path prefix of the base (a proxy mounted under /intuit) in front of Intuit's path.
  const prefix = origin.pathname.replace(/\/+$/, "");
  return `${origin.origin}${prefix}${target.pathname}`;
}

export function oauthEndpoints(app: Pick<QuickBooksApp, "oauthBaseUrl">): OAuthEndpoints {
  return {
    authorizeUrl: rebase(INTUIT_AUTHORIZE_URL, app.oauthBaseUrl),
    tokenUrl: rebase(INTUIT_TOKEN_URL, app.oauthBaseUrl),
    revokeUrl: rebase(INTUIT_REVOKE_URL, app.oauthBaseUrl),
  };
}

export function apiBaseUrl(app: Pick<QuickBooksApp, "apiBaseUrl" | "environment">): string {
  const base = app.apiBaseUrl ?? (app.environment === "sandbox" ? SANDBOX_API_BASE_URL : PRODUCTION_API_BASE_URL);
  return base.replace(/\/+$/, "");
}
