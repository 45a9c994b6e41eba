/** What the activities need from the outside world: narrow ports the server fills in. */
import type { CaseSnapshot, ChannelPlugin, Clock, LadderPolicy, Logger } from "@relance/core";
import type { MessageTemplate } from "./compose-message";

export interface DebtorRecord {
  readonly id: string;
  readonly connectionId: string;
  readonly externalId: string;
  readonly name: string;
  readonly emails: readonly string[];
  readonly language: string | null;
}

export interface TenantRecord {
  readonly id: string;
  readonly name: string;
  readonly defaultLanguage: string;
  readonly senderName: string;
  readonly senderEmail: string;
}

export interface OpenInvoiceRecord {
  readonly number: string;
  readonly issueDate: string;
  readonly dueDate: string;
  readonly currency: string;
  readonly balanceMinor: number;
}

export type OutboxStatus = "pending" | "sending" | "sent" | "cancelled" | "in_doubt" | "failed";

export interface OutboxRecord {
  readonly id: string;
  readonly status: OutboxStatus;
  readonly attempts: number;
  readonly payload: Record<string, unknown>;
  readonly externalId: string | null;
}

export interface CommunicationEntry {
  readonly debtorId: string;
  readonly messageId?: string;
  readonly kind: "message" | "delivery" | "decision" | "note" | "import";
  readonly channel?: string;
  readonly status: string;
  readonly summary: string;
  readonly detail?: Record<string, unknown>;
  readonly occurredAt?: Date;
}

export interface CollectionStore {
  getTenant(tenantId: string): Promise<TenantRecord | undefined>;
  getDebtor(tenantId: string, debtorId: string): Promise<DebtorRecord | undefined>;
  getCaseSnapshot(tenantId: string, debtorId: string): Promise<CaseSnapshot>;
  getOpenInvoices(tenantId: string, debtorId: string): Promise<readonly OpenInvoiceRecord[]>;
  reserveOutbox(
    tenantId: string,
    entry: {
      idempotencyKey: string;
      debtorId: string;
      stepId: string;
      channel: string;
      pluginId: string;
      payload: Record<string, unknown>;
    },
  ): Promise<OutboxRecord>;
  markOutboxSending(tenantId: string, id: string): Promise<number>;
  markOutboxSent(tenantId: string, id: string, externalId: string): Promise<void>;
  markOutboxInDoubt(tenantId: string, id: string, reason: string): Promise<void>;
  markOutboxFailed(tenantId: string, id: string, error: string): Promise<void>;
  appendCommunication(tenantId: string, entry: CommunicationEntry): Promise<void>;
  /** Internal ids of the debtors an import changed, in a stable order. */
  listImportChangedDebtors(tenantId: string, importId: string, offset: number, limit: number): Promise<readonly string[]>;
}

export interface ResolvedChannel {
  readonly pluginId: string;
  readonly channel: ChannelPlugin;
}

/** The channel a tenant's messages go through (its configured provider, or the local outbox). */
export type ChannelResolver = (tenantId: string, channel: "email") => Promise<ResolvedChannel>;

export type TemplateLookup = (language: string, name: string) => MessageTemplate | undefined;

/** Opens (signal-with-start) or updates the case of a debtor with a fresh snapshot. */
export interface CaseStarter {
  openOrUpdate(tenantId: string, debtor: DebtorRecord, snapshot: CaseSnapshot): Promise<void>;
}

export interface ActivityDependencies {
  readonly store: CollectionStore;
  readonly channels: ChannelResolver;
  readonly templates: TemplateLookup;
  readonly cases: CaseStarter;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly policyFor?: (tenantId: string) => Promise<LadderPolicy>;
}
