/**
 * The plugin contract. A plugin is one manifest object: data describing it, two zod schemas for its
 * settings and secrets, and `create(ctx)` returning the capability object of its kind. Plugins never
 * read `process.env` nor keep module-level state: everything arrives through the context.
 */
import type { z } from "zod";
import type { CalendarDate } from "./dates";
import type { CreditNote, Debtor, Invoice, Payment, PostalAddress } from "./domain";
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
  /** A valid access token, refreshed under a lock when close to expiry. */
  accessToken(): Promise<string>;
}

export interface PluginContext<Config, Secrets> {
  readonly config: Config;
  readonly secrets: Secrets;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly fetch: typeof fetch;
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
  /** Opaque resume point: pass it back to get the next page; absent on the last page. */
  readonly cursor?: string;
  /** Where the next incremental sync starts once every page is stored. */
  readonly watermark?: string;
}

export interface LedgerChange {
  readonly providerEventId: string;
  readonly kind: "invoice" | "contact" | "credit_note" | "payment";
  readonly externalId: string;
}

export interface ConnectorPlugin {
  testConnection(): Promise<void>;
  listChanges(query: { since?: string; cursor?: string }): Promise<ChangePage>;
  getInvoice?(externalId: string): Promise<Invoice | undefined>;
  readonly webhooks?: WebhookHandler<LedgerChange>;
  readonly writeBack?: {
    addInvoiceNote?(invoiceExternalId: string, note: string, options: SendOptions): Promise<void>;
    createCreditNote?(invoiceExternalId: string, amount: Money, reason: string, options: SendOptions): Promise<string>;
    createLateFeeInvoice?(debtorExternalId: string, amount: Money, dueDate: CalendarDate, options: SendOptions): Promise<string>;
  };
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

export interface PluginManifest<Kind extends PluginKind = PluginKind, Config = unknown, Secrets = unknown> {
  /** kebab-case, the same as the plugin's folder. */
  readonly id: string;
  readonly kind: Kind;
  readonly displayName: string;
  readonly version: string;
  readonly configSchema: z.ZodType<Config>;
  readonly secretsSchema: z.ZodType<Secrets>;
  readonly auth: AuthDescriptor;
  readonly capabilities: readonly string[];
  /** Hosts the plugin talks to by default; tests and proxies override them through config. */
  readonly allowedHosts: readonly string[];
  create(context: PluginContext<Config, Secrets>): CapabilityOf[Kind] | Promise<CapabilityOf[Kind]>;
}

/** Identity helper that keeps a manifest's Config and Secrets types inferred from its schemas. */
export function definePlugin<Kind extends PluginKind, Config, Secrets>(
  manifest: PluginManifest<Kind, Config, Secrets>,
): PluginManifest<Kind, Config, Secrets> {
  return manifest;
}

export type { CapabilityOf };
