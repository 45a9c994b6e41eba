/** What the activities need from the outside world: narrow ports the server fills in. */
import type {
  AgencyPlugin,
  CaseInvoice,
  ChannelPlugin,
  Clock,
  CollectionPolicy,
  DebtorOverrides,
  LedgerChange,
  Logger,
  PostalAddress,
} from "@relance/core";
import type { LedgerUpdate } from "../workflows/messages";
import type { MessageTemplate } from "./compose-message";
import type { CaseRecord } from "./types";

export interface DebtorRecord {
  readonly id: string;
  readonly connectionId: string;
  readonly externalId: string;
  readonly name: string;
  readonly emails: readonly string[];
  readonly phone: string | null;
  readonly language: string | null;
  readonly kind: "b2b" | "b2c" | null;
  readonly address: PostalAddress | null;
  readonly timeZone: string | null;
  readonly tags: readonly string[];
  readonly overrides: DebtorOverrides;
}

export interface TenantRecord {
  readonly id: string;
  readonly name: string;
  readonly defaultLanguage: string;
  readonly senderName: string;
  readonly senderEmail: string;
}

export interface OpenInvoiceRecord {
  readonly id: string;
  readonly externalId: string;
  readonly number: string;
  readonly issueDate: string;
  readonly dueDate: string;
  readonly currency: string;
  readonly totalMinor: number;
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

export interface OutboxClaim extends OutboxRecord {
  /** This call inserted the row and holds its first attempt: nothing can have reached the provider yet. */
  readonly created: boolean;
}

export type CommunicationKind =
  | "message"
  | "delivery"
  | "decision"
  | "note"
  | "import"
  | "dispute"
  | "promise"
  | "plan"
  | "task"
  | "mediation";

export interface CommunicationEntry {
  readonly debtorId: string;
  readonly messageId?: string;
  readonly kind: CommunicationKind;
  readonly channel?: string;
  readonly status: string;
  readonly summary: string;
  readonly detail?: Record<string, unknown>;
  readonly occurredAt?: Date;
}

export type TaskKind = "phone_call" | "review" | "mediation" | "write_back" | "agency_refused" | "reconnect_ledger";

export interface NewTask {
  readonly idempotencyKey: string;
  readonly debtorId: string;
  readonly kind: TaskKind;
  readonly title: string;
  readonly detail: Record<string, unknown>;
  readonly dueAt?: Date;
}

export interface CollectionStore {
  getTenant(tenantId: string): Promise<TenantRecord | undefined>;
  getDebtor(tenantId: string, debtorId: string): Promise<DebtorRecord | undefined>;
  /** Several debtors with their open invoices at once (a sync's page). */
  getDebtorsWithOpenInvoices(
    tenantId: string,
    debtorIds: readonly string[],
  ): Promise<ReadonlyMap<string, { readonly debtor: DebtorRecord; readonly invoices: readonly OpenInvoiceRecord[] }>>;
  /**
   * What a step re-reads right before acting, in one read: the debtor, and its open invoices with the part
   * each open dispute holds back, as the store records them.
   */
  getStepContext(
    tenantId: string,
    debtorId: string,
  ): Promise<
    | { readonly debtor: DebtorRecord; readonly invoices: readonly (OpenInvoiceRecord & { readonly disputedMinor: number })[] }
    | undefined
  >;
  /** Takes the key for a first attempt (the row starts `sending`), or returns the row already holding it. */
  claimOutbox(
    tenantId: string,
    entry: {
      idempotencyKey: string;
      debtorId: string;
      stepId: string;
      channel: string;
      pluginId: string;
      payload: Record<string, unknown>;
    },
  ): Promise<OutboxClaim>;
  /** Another attempt on a row that was already claimed; returns its attempt number. */
  markOutboxSending(tenantId: string, id: string): Promise<number>;
  markOutboxSent(tenantId: string, id: string, externalId: string): Promise<void>;
  /** Marks the message sent and records it on the timeline, in one round trip. */
  markOutboxSentAndRecord(
    tenantId: string,
    id: string,
    externalId: string,
    entry: {
      debtorId: string;
      /** The debtor's ledger connection (a ledger that takes notes gets one about the message). */
      connectionId: string;
      channel: string;
      status: string;
      summary: string;
      detail: Record<string, unknown>;
    },
  ): Promise<void>;
  markOutboxInDoubt(tenantId: string, id: string, reason: string): Promise<void>;
  markOutboxFailed(tenantId: string, id: string, error: string): Promise<void>;
  appendCommunication(tenantId: string, entry: CommunicationEntry): Promise<void>;
  /** The debtor's timeline as an agency's evidence: every message and decision, oldest first. */
  listCommunications(
    tenantId: string,
    debtorId: string,
  ): Promise<readonly { at: Date; kind: string; channel: string | null; status: string | null; summary: string }[]>;
  /** Idempotent on the key: a retried step gets the task it created before. */
  createTask(tenantId: string, task: NewTask): Promise<{ id: string; created: boolean }>;
  /** Writes a dispute, promise, plan or outcome record (each once, by its id) and its timeline entry. */
  recordCase(tenantId: string, debtorId: string, record: CaseRecord): Promise<void>;
  /** Internal ids of the debtors an import changed, in a stable order. */
  listImportChangedDebtors(tenantId: string, importId: string, offset: number, limit: number): Promise<readonly string[]>;
}

export interface ResolvedChannel {
  readonly pluginId: string;
  readonly channel: ChannelPlugin;
}

export interface ResolvedAgency {
  readonly pluginId: string;
  readonly agency: AgencyPlugin;
}

/** The channel a tenant's messages go through (its configured provider, or the local outbox). */
export type ChannelResolver = (tenantId: string, channel: "email" | "letter") => Promise<ResolvedChannel>;

/** The agency a tenant hands unresolved debts to (its configured agency, or the local sandbox). */
export type AgencyResolver = (tenantId: string) => Promise<ResolvedAgency>;

export type TemplateLookup = (language: string, name: string) => MessageTemplate | undefined;

/** Opens (signal-with-start) or updates the cases of debtors with their open invoices. */
export interface CaseStarter {
  /** Loads what opening cases needs for a tenant once (its policies), then opens or updates each. */
  forTenant(tenantId: string): Promise<(debtor: DebtorRecord, update: LedgerUpdate) => Promise<void>>;
}

/**
 * Loads a tenant's policies once and returns the chooser of a debtor's policy: the tenant's default, or a
 * variant that applies to the debtor.
 */
export type PolicyChooser = (
  tenantId: string,
) => Promise<(debtor: DebtorRecord, invoices: readonly CaseInvoice[]) => CollectionPolicy>;

export interface SyncPageInput {
  readonly tenantId: string;
  readonly connectionId: string;
  /** Resume point inside a sync (absent: start from the connection's watermark). */
  readonly cursor?: string;
  /** A targeted read of what a webhook named, instead of the changes since the watermark. */
  readonly changes?: readonly LedgerChange[];
}

export type SyncPageResult =
  | {
      readonly status: "synced";
      readonly cursor?: string;
      readonly changedDebtorIds: readonly string[];
      readonly records: number;
    }
  /** The connection cannot sync now (disabled, or waiting for the tenant to re-authorise it). */
  | { readonly status: "paused"; readonly reason: string };

export interface LedgerActionInput {
  readonly tenantId: string;
  readonly actionId: string;
}

export type LedgerActionResult =
  | { readonly status: "done"; readonly externalId?: string }
  | { readonly status: "left_to_person"; readonly reason: string };

/** Ledger connections, as the worker sees them: read changes, write back. Implemented by the server. */
export interface LedgerPort {
  syncPage(input: SyncPageInput): Promise<SyncPageResult>;
  applyAction(input: LedgerActionInput): Promise<LedgerActionResult>;
  /** The write-back kept failing: mark it and hand it to a person. */
  actionFailed(input: LedgerActionInput & { readonly error: string }): Promise<void>;
}

export interface ActivityDependencies {
  readonly store: CollectionStore;
  /** Absent in processes that run no ledger connector (then ledger activities fail as misconfigured). */
  readonly ledgers?: LedgerPort;
  readonly channels: ChannelResolver;
  readonly agencies: AgencyResolver;
  readonly templates: TemplateLookup;
  readonly cases: CaseStarter;
  readonly logger: Logger;
  readonly clock: Clock;
}
