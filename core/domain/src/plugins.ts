/**
 * The plugin contract. A plugin is one manifest object: data describing it, two zod schemas for its
 * settings and secrets, and `create(ctx)` returning the capability object of its kind. Plugins never
 * read `process.env` nor keep module-level state: everything arrives through the context.
 */
import { z } from "zod";
import type { CalendarDate } from "./dates";
import type { CreditNote, Debtor, Invoice, Payment, PostalAddress } from "./domain";
import { RelanceError } from "./errors";
import type { Money } from "./money";

export type PluginKind = "connector" | "channel" | "agency";

export interface Logger {
  debug(fields: Record<string, unknown>, message?: string): void;
  info(fields: Record<string, unknown>, message?: string): void;
  warn(fields: Record<string, unknown>, message?: string): void;
  error(fields: Record<string, unknown>, message?: string): void;
}

export interface Clock {
  now(): Date;
}

/** How a plugin authenticates, described as data so the API can drive the flow. */
export type AuthDescriptor =
  | { readonly type: "none" }
  | { readonly type: "api_key"; readonly secretField: string }
  | {
      readonly type: "oauth2";
      readonly authorizeUrl: string;
      readonly tokenUrl: string;
      readonly revokeUrl?: string;
      readonly scopes: readonly string[];
      readonly pkce: boolean;
    };

export interface TokenProvider {
  /** A valid access token, refreshed under a per-connection lock when close to expiry. */
  accessToken(): Promise<string>;
  /**
   * The provider refused this token (HTTP 401): refreshes it unless another caller already has, and
   * returns the token to retry with. Throws RelanceError "unauthorized" when the grant is gone.
   */
  rejected(token: string): Promise<string>;
}

/** OAuth 2.0 tokens as stored (encrypted) with a connection. Times are epoch milliseconds. */
export interface OAuthTokens {
  readonly accessToken: string;
  readonly refreshToken: string;
  readonly expiresAt: number;
  readonly scope?: string;
  /** When the refresh token itself stops working, if the provider says so. */
  readonly refreshTokenExpiresAt?: number;
}

/** One ledger the grant opens: a Xero organisation, a QuickBooks company (realm). */
export interface OAuthAccount {
  readonly id: string;
  readonly name: string;
  /** The provider's id for this authorisation of the account, when disconnecting needs it. */
  readonly grantId?: string;
}

export interface OAuthCallback {
  readonly code: string;
  /** PKCE verifier; present when the manifest's `auth.pkce` is true. */
  readonly codeVerifier?: string;
  /** Every query parameter the provider sent back (e.g. Intuit's `realmId`). */
  readonly query: Readonly<Record<string, string>>;
}

/**
 * The app-level half of an OAuth connector: it runs before a connection exists, with the deployment's
 * app settings (client id and secret, redirect URI, vendor base URLs) rather than a connection's.
 * `state` and the PKCE pair are made, bound and checked by the server.
 */
export interface OAuthFlow<App> {
  authorizationUrl(app: App, request: { readonly state: string; readonly codeChallenge?: string }): string | Promise<string>;
  exchangeCode(
    app: App,
    callback: OAuthCallback,
  ): Promise<{ readonly tokens: OAuthTokens; readonly accounts: readonly OAuthAccount[] }>;
  /** The settings of a new connection reading this account (they pass the plugin's configSchema). */
  connectionConfig(account: OAuthAccount): Record<string, unknown>;
  /** Throws RelanceError "unauthorized" (not retryable) when the provider refuses the refresh token. */
  refresh(app: App, tokens: OAuthTokens): Promise<OAuthTokens>;
  revoke(app: App, tokens: OAuthTokens, account?: OAuthAccount): Promise<void>;
}

export interface PluginContext<Config, Secrets, App = undefined> {
  readonly config: Config;
  readonly secrets: Secrets;
  /** The deployment's settings for this plugin (validated by the manifest's `appSchema`). */
  readonly app: App;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly fetch: typeof fetch;
  /** Present for connections authorised through OAuth. */
  readonly tokens?: TokenProvider;
}

/** A webhook request as received: raw bytes, because signatures are computed over them. */
export interface WebhookRequest {
  readonly headers: Readonly<Record<string, string>>;
  readonly rawBody: Uint8Array;
  readonly receivedAt: Date;
}

export interface WebhookHandler<Event> {
  /** Verifies the request (throws a RelanceError "unauthorized" when it fails) and maps its events. */
  receive(request: WebhookRequest): Event[] | Promise<Event[]>;
}

// ---------------------------------------------------------------------------------------------------
// Channels

export interface Recipient {
  readonly name: string;
  readonly email?: string;
  readonly address?: PostalAddress;
}

export interface OutboundMessage {
  /** Our message id; travels with the message (e.g. SendGrid custom_args) to match events back. */
  readonly id: string;
  readonly tenantId: string;
  readonly to: Recipient;
  readonly from: { readonly name: string; readonly email?: string; readonly address?: PostalAddress };
  readonly replyTo?: string;
  readonly subject: string;
  readonly text: string;
  readonly html?: string;
  readonly language: string;
  readonly metadata: Readonly<Record<string, string>>;
}

export interface SendOptions {
  /** Stable across retries of the same step; providers that support it get it as Idempotency-Key. */
  readonly idempotencyKey: string;
}

export type DeliveryStatus = "accepted" | "delivered" | "bounced" | "dropped" | "deferred" | "opened";

export interface SendResult {
  readonly externalId: string;
  readonly status: DeliveryStatus;
}

export interface ChannelEvent {
  readonly providerEventId: string;
  readonly messageId: string | undefined;
  readonly externalId: string | undefined;
  readonly status: DeliveryStatus;
  readonly occurredAt: Date;
  readonly detail?: string;
}

export interface ChannelPlugin {
  readonly channel: "email" | "letter" | "sms" | "webhook";
  send(message: OutboundMessage, options: SendOptions): Promise<SendResult>;
  /**
   * Asks the provider whether it already holds a message sent under this key. Used when an earlier
   * attempt may have reached the provider before the worker died; `undefined` means "not found".
   * A channel that cannot answer leaves this out, and the attempt is parked for a human instead.
   */
  findSent?(message: OutboundMessage, options: SendOptions): Promise<SendResult | undefined>;
  cancel?(externalId: string): Promise<void>;
  readonly webhooks?: WebhookHandler<ChannelEvent>;
}

// ---------------------------------------------------------------------------------------------------
// Ledger connectors

export interface ChangePage {
  readonly debtors: readonly Debtor[];
  readonly invoices: readonly Invoice[];
  readonly creditNotes: readonly CreditNote[];
  readonly payments: readonly Payment[];
  /** Records the ledger reports deleted: only their ids survive (a deleted invoice is no longer owed). */
  readonly deletions?: readonly LedgerDeletion[];
  /** Records the connector could not read (left out of the page), so the tenant can be told which and why. */
  readonly skipped?: readonly SkippedRecord[];
  /** Opaque resume point: pass it back to get the next page; absent on the last page. */
  readonly cursor?: string;
  /**
   * Where the next incremental sync starts. The server records the last page's watermark once every
   * page of the sync is stored, so a sync that dies half-way starts again from the previous one.
   */
  readonly watermark?: string;
}

export interface SkippedRecord {
  readonly kind: LedgerChange["kind"];
  readonly externalId: string;
  readonly reason: string;
}

export interface LedgerDeletion {
  readonly kind: LedgerChange["kind"];
  readonly externalId: string;
}

/** A record the ledger says changed (from a webhook), to be fetched and stored. */
export interface LedgerChange {
  readonly providerEventId: string;
  /** Which ledger it belongs to: the Xero organisation or QuickBooks realm id (OAuthAccount.id). */
  readonly accountId: string;
  readonly kind: "invoice" | "contact" | "credit_note" | "payment";
  readonly externalId: string;
  readonly occurredAt?: Date;
}

export interface ConnectorPlugin {
  testConnection(): Promise<void>;
  /** Changes since a watermark (a full read when absent), one page per call. */
  listChanges(query: { readonly since?: string; readonly cursor?: string }): Promise<ChangePage>;
  /** Targeted read of the records a webhook named, with whatever they need (their debtors). */
  fetchChanged?(changes: readonly LedgerChange[]): Promise<ChangePage>;
  readonly writeBack?: {
    addInvoiceNote?(invoiceExternalId: string, note: string, options: SendOptions): Promise<void>;
    createCreditNote?(invoiceExternalId: string, amount: Money, reason: string, options: SendOptions): Promise<string>;
    createLateFeeInvoice?(
      debtorExternalId: string,
      amount: Money,
      dueDate: CalendarDate,
      description: string,
      options: SendOptions,
    ): Promise<string>;
  };
}

/**
 * Which write-backs a ledger connection makes (a connector's `configSchema` carries it as `writeBack`):
 * a note on each invoice a message was about (on by default), credit notes for upheld disputes and
 * late-fee invoices (off by default).
 */
export const writeBackSwitchesSchema = z
  .object({
    notes: z.boolean().default(true),
    creditNotes: z.boolean().default(false),
    lateFees: z.boolean().default(false),
  })
  .prefault({});

export type WriteBackSwitch = keyof z.infer<typeof writeBackSwitchesSchema>;

/**
 * A connector's refusal of a write-back switched off for the connection: "forbidden" like a vendor's
 * 403, told apart from it by its issue on the switch (`writeBack.<name>`), which the server reads as
 * "not wanted here" rather than "refused by the ledger".
 */
export function writeBackSwitchedOff(ledger: string, name: WriteBackSwitch): RelanceError {
  return new RelanceError("forbidden", `write-back of ${name} to ${ledger} is off for this connection (writeBack.${name})`, {
    issues: [{ path: `writeBack.${name}`, message: "switched off for this connection" }],
  });
}

export function isWriteBackSwitchedOff(error: unknown): error is RelanceError {
  return (
    error instanceof RelanceError &&
    error.code === "forbidden" &&
    error.issues.some((issue) => issue.path?.startsWith("writeBack."))
  );
}

/**
 * Webhooks of a connector arrive at one URL for every connection of the app, so they are handled with
 * the app settings; each change names its account and is routed to that account's connection.
 */
export interface ConnectorWebhooks<App> {
  /**
   * Verifies the request (throws RelanceError "unauthorized" when it fails) and maps its events.
   * A verified request with no events (e.g. Xero's intent-to-receive) gives [].
   */
  receive(app: App, request: WebhookRequest): LedgerChange[] | Promise<LedgerChange[]>;
}

// ---------------------------------------------------------------------------------------------------
// Agencies

export interface EvidenceBundle {
  readonly debtor: Debtor;
  readonly invoices: readonly Invoice[];
  readonly communications: readonly {
    readonly at: string;
    readonly channel: string;
    readonly summary: string;
    readonly status: string;
  }[];
}

export type ClaimStatus = "placed" | "in_progress" | "paid" | "partially_paid" | "closed" | "recalled" | "rejected";

export interface AgencyPlugin {
  placeClaim(bundle: EvidenceBundle, options: SendOptions): Promise<{ readonly claimId: string }>;
  getStatus(claimId: string): Promise<ClaimStatus>;
  recall(claimId: string, reason: string): Promise<void>;
  reportPayment(claimId: string, amount: Money): Promise<void>;
  readonly webhooks?: WebhookHandler<{
    readonly providerEventId: string;
    readonly claimId: string;
    readonly status: ClaimStatus;
  }>;
}

// ---------------------------------------------------------------------------------------------------
// Manifests

interface CapabilityOf {
  connector: ConnectorPlugin;
  channel: ChannelPlugin;
  agency: AgencyPlugin;
}

export interface PluginManifest<Kind extends PluginKind = PluginKind, Config = unknown, Secrets = unknown, App = unknown> {
  /** kebab-case, the same as the plugin's folder. */
  readonly id: string;
  readonly kind: Kind;
  readonly displayName: string;
  readonly version: string;
  readonly configSchema: z.ZodType<Config>;
  readonly secretsSchema: z.ZodType<Secrets>;
  /** The deployment's settings (OAuth app, vendor base URLs); validated once when registered. */
  readonly appSchema?: z.ZodType<App>;
  readonly auth: AuthDescriptor;
  readonly capabilities: readonly string[];
  /** Hosts the plugin talks to by default; tests and proxies override them through config. */
  readonly allowedHosts: readonly string[];
  /** For `auth.type === "oauth2"`: the connect flow. */
  readonly oauth?: OAuthFlow<App>;
  /** Connector webhooks, received with the app settings. */
  readonly webhooks?: ConnectorWebhooks<App>;
  create(context: PluginContext<Config, Secrets, App>): CapabilityOf[Kind] | Promise<CapabilityOf[Kind]>;
}

/** Identity helper that keeps a manifest's Config, Secrets and App types inferred from its schemas. */
export function definePlugin<Kind extends PluginKind, Config, Secrets, App = undefined>(
  manifest: PluginManifest<Kind, Config, Secrets, App>,
): PluginManifest<Kind, Config, Secrets, App> {
  return manifest;
}

export type { CapabilityOf };
