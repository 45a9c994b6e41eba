/**
 * Every environment variable Relance reads, in one schema. Only the server reads the environment;
 * plugins get validated settings through their context.
 */
import { RelanceError } from "@relance/core";
import { z } from "zod";

const flag = z
  .enum(["1", "0", "true", "false", "yes", "no"])
  .transform((value) => value === "1" || value === "true" || value === "yes");
const port = z.coerce.number().int().min(1).max(65535);
const optionalText = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === "" ? undefined : value));

export const envSchema = z.object({
  RELANCE_DATA_DIR: z
    .string()
    .default(".relance")
    .describe("Folder for the embedded database, outbox .eml files, dev secret key and Temporal's SQLite file."),
  RELANCE_DEV_MODE: flag
    .optional()
    .describe(
      "Development mode: creates a secret key in the data folder when RELANCE_SECRET_KEY is unset. On for `relance start`, off otherwise.",
    ),
  RELANCE_SECRET_KEY: optionalText.describe(
    "Key(s) encrypting connection secrets (AES-256-GCM): `keyId:base64key[,keyId:base64key…]`, first is primary. Required outside dev mode.",
  ),
  DATABASE_URL: optionalText.describe("PostgreSQL connection string. Unset: embedded PGlite under RELANCE_DATA_DIR."),
  RELANCE_API_HOST: z.string().default("127.0.0.1").describe("Interface the HTTP API listens on."),
  RELANCE_API_PORT: port.default(3000).describe("Port of the HTTP API and web UI."),
  RELANCE_MAX_IMPORT_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(100 * 1024 * 1024)
    .describe("Largest ledger file accepted by an import (bytes)."),
  RELANCE_MAX_BODY_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(1024 * 1024)
    .describe("Largest JSON or webhook request body (bytes)."),
  RELANCE_DAY_SECONDS: z.coerce
    .number()
    .positive()
    .optional()
    .describe("Time scale for demos and tests: one policy day lasts this many seconds. Unset: real days."),
  RELANCE_CASE_HISTORY_LIMIT: z.coerce
    .number()
    .int()
    .min(100)
    .max(10_000)
    .default(1000)
    .describe(
      "A debtor's case continues as new once its Temporal history holds this many events (or sooner, when the server suggests it).",
    ),
  RELANCE_POLICY: z
    .string()
    .default("email-3-steps")
    .describe("Key of the default escalation policy (a file in config/policies)."),
  RELANCE_LOG_LEVEL: z.enum(["trace", "debug", "info", "warn", "error", "fatal"]).default("info").describe("Log level."),
  RELANCE_LOG_FORMAT: z.enum(["pretty", "json"]).optional().describe("Log format; default pretty on a terminal, json otherwise."),
  TEMPORAL_ADDRESS: optionalText.describe(
    "Temporal frontend host:port. Unset: `relance start` runs the embedded dev server; worker/api use localhost:7233.",
  ),
  TEMPORAL_NAMESPACE: z.string().default("default").describe("Temporal namespace."),
  TEMPORAL_TASK_QUEUE: z.string().default("relance").describe("Task queue of the Relance worker."),
  TEMPORAL_API_KEY: optionalText.describe("API key for Temporal Cloud (implies TLS)."),
  TEMPORAL_TLS: flag.optional().describe("Use TLS to reach Temporal (implied by the certificate or API key settings)."),
  TEMPORAL_TLS_CERT: optionalText.describe("Path to the client certificate (mTLS)."),
  TEMPORAL_TLS_KEY: optionalText.describe("Path to the client private key (mTLS)."),
  TEMPORAL_TLS_CA: optionalText.describe("Path to a CA certificate for the server."),
  TEMPORAL_TLS_SERVER_NAME: optionalText.describe("Server name to verify when it differs from the address host."),
  RELANCE_TEMPORAL_PORT: port.default(7233).describe("Port of the embedded Temporal dev server (`relance start`)."),
  RELANCE_TEMPORAL_UI_PORT: port.default(8233).describe("Port of the embedded Temporal Web UI (`relance start`)."),
  SENDGRID_API_KEY: optionalText.describe("SendGrid API key (SG.…). Unset: emails go to the local outbox folder."),
  SENDGRID_BASE_URL: z
    .url()
    .default("https://api.sendgrid.com/")
    .describe("SendGrid API base URL (a proxy, a sandbox or a local fake)."),
  SENDGRID_FROM_EMAIL: optionalText.describe(
    "Verified sender address of the SendGrid account (required with SENDGRID_API_KEY); replies go to the tenant's sender email.",
  ),
  SENDGRID_WEBHOOK_PUBLIC_KEY: optionalText.describe(
    "Public key of SendGrid's signed Event Webhook (base64). Unset: the webhook refuses every request.",
  ),
  RELANCE_SYNC_INTERVAL_MINUTES: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 60)
    .default(15)
    .describe("How often each ledger connection (Xero, QuickBooks) is synced, on top of its webhooks."),
  XERO_CLIENT_ID: optionalText.describe("Client id of the Xero app. Unset: Xero cannot be connected."),
  XERO_CLIENT_SECRET: optionalText.describe("Client secret of the Xero app (required with XERO_CLIENT_ID)."),
  XERO_REDIRECT_URI: optionalText.describe(
    "Redirect URI registered in the Xero app, exactly: `<public API URL>/oauth/xero/callback` (required with XERO_CLIENT_ID).",
  ),
  XERO_WEBHOOK_KEY: optionalText.describe("Webhook signing key of the Xero app. Unset: Xero webhooks are refused."),
  XERO_API_BASE_URL: z.url().default("https://api.xero.com").describe("Xero API host (accounting API and connections)."),
  XERO_IDENTITY_BASE_URL: z
    .url()
    .default("https://identity.xero.com")
    .describe("Xero identity host (token and revocation endpoints)."),
  XERO_LOGIN_BASE_URL: z.url().default("https://login.xero.com").describe("Xero login host (the consent page)."),
  QBO_CLIENT_ID: optionalText.describe("Client id of the Intuit app. Unset: QuickBooks Online cannot be connected."),
  QBO_CLIENT_SECRET: optionalText.describe("Client secret of the Intuit app (required with QBO_CLIENT_ID)."),
  QBO_REDIRECT_URI: optionalText.describe(
    "Redirect URI registered in the Intuit app, exactly: `<public API URL>/oauth/quickbooks/callback` (required with QBO_CLIENT_ID).",
  ),
  QBO_WEBHOOK_VERIFIER_TOKEN: optionalText.describe(
    "Webhook verifier token of the Intuit app. Unset: QuickBooks webhooks are refused.",
  ),
  QBO_ENVIRONMENT: z.enum(["sandbox", "production"]).default("production").describe("QuickBooks Online environment."),
  QBO_API_BASE_URL: optionalText.describe(
    "QuickBooks Online API host. Unset: quickbooks.api.intuit.com, or sandbox-quickbooks.api.intuit.com in sandbox.",
  ),
  INTUIT_OAUTH_BASE_URL: optionalText.describe(
    "Replaces the host of Intuit's OAuth endpoints (appcenter.intuit.com, oauth.platform.intuit.com, developer.api.intuit.com), keeping their paths.",
  ),
});

export type Env = z.infer<typeof envSchema>;

export function loadEnv(source: Record<string, string | undefined> = process.env): Env {
  const parsed = envSchema.safeParse(source);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((issue) => ({ path: issue.path.join("."), message: issue.message }));
  throw new RelanceError(
    "misconfigured",
    `invalid environment: ${issues.map((issue) => `${issue.path}: ${issue.message}`).join("; ")}`,
    { issues },
  );
}

/** Name and description of every variable, for the README table and `relance env`. */
export function describeEnv(): { name: string; description: string }[] {
  return Object.entries(envSchema.shape).map(([name, schema]) => ({ name, description: schema.description ?? "" }));
}
