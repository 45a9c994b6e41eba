/**
 * The Xero connector's settings: the deployment's OAuth app (appSchema), each connection's organisation
 * and switches (configSchema). Tokens are not secrets of the connection: they reach the plugin only
 * through `ctx.tokens`.
 */
import { writeBackSwitchesSchema } from "@relance/core";
import { z } from "zod";

/**
 * Least scopes for what the connector does, in Xero's granular scheme (mandatory for apps created
 * since 2 March 2026, where `accounting.transactions` no longer exists):
 * - `offline_access`: a refresh token, since syncs run without the user.
 * - `accounting.invoices`: read invoices and credit notes, and write history notes, credit notes,
 *   their allocations and late-fee invoices (the `.read` variant cannot write any of these).
 * - `accounting.payments.read`: the Payments embedded in invoices are payment data; no payment is written.
 * - `accounting.contacts.read`: debtors; contacts are never written.
 * - `accounting.settings.read`: GET /Organisation, which `testConnection` calls.
 * `openid` is left out on purpose: it makes the token answer carry an id_token that would have to be
 * verified against Xero's JWKS, and nothing here needs the user's identity.
 * Apps created before March 2026 set `accounting.transactions accounting.contacts.read accounting.settings.read offline_access`.
 */
export const DEFAULT_SCOPES = [
  "offline_access",
  "accounting.invoices",
  "accounting.payments.read",
  "accounting.contacts.read",
  "accounting.settings.read",
] as const;

const baseUrl = z.url({ protocol: /^https?$/ }).transform((url) => url.replace(/\/+$/, ""));

export const xeroAppSchema = z.object({
  clientId: z.string().min(1),
  clientSecret: z.string().min(1),
  /** Registered in the Xero app exactly as written here. */
  redirectUri: z.url(),
  /** The key Xero shows for the app's webhook; without it every delivery is refused. */
  webhookKey: z.string().min(1).optional(),
  apiBaseUrl: baseUrl.default("https://api.xero.com"),
  identityBaseUrl: baseUrl.default("https://identity.xero.com"),
  loginBaseUrl: baseUrl.default("https://login.xero.com"),
  scopes: z
    .array(z.string().regex(/^[a-z_.]+$/))
    .min(1)
    .default([...DEFAULT_SCOPES]),
  httpTimeoutMs: z.number().int().positive().max(300_000).default(30_000),
  /** Xero's rate window ("a minute"); benchmarks against a fake may compress it. */
  rateWindowMs: z.number().int().positive().default(60_000),
});

export type XeroApp = z.infer<typeof xeroAppSchema>;
export type XeroAppInput = z.input<typeof xeroAppSchema>;

export const xeroConfigSchema = z.object({
  /** The Xero organisation (OAuthAccount.id, sent as xero-tenant-id). */
  tenantId: z.string().min(1),
  tenantName: z.string().optional(),
  pageSize: z.number().int().min(1).max(1000).default(1000),
  writeBack: writeBackSwitchesSchema,
  /** Revenue account the late-fee line is posted to; required when `writeBack.lateFees` is on. */
  lateFeeAccountCode: z.string().min(1).optional(),
});

export type XeroConfig = z.infer<typeof xeroConfigSchema>;

export const xeroSecretsSchema = z.object({});
export type XeroSecrets = z.infer<typeof xeroSecretsSchema>;
