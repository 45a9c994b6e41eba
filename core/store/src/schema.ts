/**
 * Row types of the database, as Kysely sees them. int8 columns read as JS numbers (the pool's type
 * parser refuses values beyond Number.MAX_SAFE_INTEGER), `date` columns as "YYYY-MM-DD" strings,
 * timestamptz as Date. jsonb columns are written as JSON text: node-postgres would turn a JS array
 * into a PostgreSQL array literal.
 */
import type { DisputeReason, Mediator } from "@relance/core";
import type { ColumnType, Generated, Kysely } from "kysely";

export type Json<T> = ColumnType<T, string, string>;
/** A nullable jsonb column: null (or left out) on insert. */
export type NullableJson<T> = ColumnType<T | null, string | null | undefined, string | null>;
type CreatedAt = ColumnType<Date, Date | undefined, never>;
type UpdatedAt = ColumnType<Date, Date | undefined, Date>;

export interface TenantsTable {
  id: Generated<string>;
  name: string;
  slug: string;
  default_language: string;
  sender_name: string;
  sender_email: string;
  created_at: CreatedAt;
}

export interface ApiKeysTable {
  id: Generated<string>;
  tenant_id: string;
  label: string;
  prefix: string;
  /** SHA-256 (hex) of the whole key; the key itself is never stored. */
  hash: string;
  created_at: CreatedAt;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

export type ConnectionKind = "connector" | "channel" | "agency";
export type ConnectionStatus = "active" | "disabled" | "error" | "needs_reauth";

export interface ConnectionsTable {
  id: Generated<string>;
  tenant_id: string;
  plugin_id: string;
  kind: ConnectionKind;
  name: string;
  config: Json<Record<string, unknown>>;
  secrets_ciphertext: string | null;
  secrets_key_id: string | null;
  status: ColumnType<ConnectionStatus, ConnectionStatus | undefined, ConnectionStatus>;
  watermark: string | null;
  last_synced_at: Date | null;
  /** The OAuth grant whose tokens this connection uses, and the ledger account (organisation, realm) it reads. */
  grant_id: string | null;
  account_id: string | null;
  /** Why the status is what it is (e.g. the provider's refusal), shown to the tenant. */
  status_reason: string | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface OAuthStatesTable {
  id: Generated<string>;
  tenant_id: string;
  api_key_id: string | null;
  plugin_id: string;
  state_hash: string;
  browser_hash: string;
  verifier_ciphertext: string | null;
  connection_name: string;
  created_at: CreatedAt;
  expires_at: Date;
  used_at: Date | null;
}

export type GrantStatus = "active" | "needs_reauth" | "revoked";

export interface OAuthGrantsTable {
  id: Generated<string>;
  tenant_id: string;
  plugin_id: string;
  tokens_ciphertext: string;
  tokens_key_id: string;
  accounts: Json<{ id: string; name: string; grantId?: string }[]>;
  status: ColumnType<GrantStatus, GrantStatus | undefined, GrantStatus>;
  status_reason: string | null;
  connection_name: string;
  refreshed_at: Date | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface LedgerCreditNotesTable {
  id: Generated<string>;
  tenant_id: string;
  connection_id: string;
  debtor_id: string;
  external_id: string;
  number: string;
  currency: string;
  total_minor: number;
  remaining_minor: number;
  issue_date: string;
  status: "open" | "applied" | "void";
  allocations: Json<{ invoiceExternalId: string; amountMinor: number }[]>;
  updated_at: UpdatedAt;
}

export interface LedgerPaymentsTable {
  id: Generated<string>;
  tenant_id: string;
  connection_id: string;
  external_id: string;
  invoice_external_id: string;
  currency: string;
  amount_minor: number;
  paid_on: string;
  status: "posted" | "deleted";
  updated_at: UpdatedAt;
}

export interface DebtorsTable {
  id: Generated<string>;
  tenant_id: string;
  connection_id: string;
  external_id: string;
  name: string;
  emails: Json<string[]>;
  phone: string | null;
  language: string | null;
  kind: "b2b" | "b2c" | null;
  address: Json<Record<string, unknown> | null>;
  time_zone: string | null;
  tags: Json<string[]>;
  paused: ColumnType<boolean, boolean | undefined, boolean>;
  /** Per-debtor settings (DebtorOverrides of @relance/core), validated by the repository. */
  overrides: ColumnType<Record<string, unknown>, string | undefined, string>;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface InvoicesTable {
  id: Generated<string>;
  tenant_id: string;
  connection_id: string;
  debtor_id: string;
  external_id: string;
  number: string;
  currency: string;
  total_minor: number;
  balance_minor: number;
  issue_date: string;
  due_date: string;
  status: "open" | "paid" | "void";
  reference: string | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface PoliciesTable {
  id: Generated<string>;
  tenant_id: string;
  key: string;
  version: number;
  name: string;
  definition: Json<Record<string, unknown>>;
  created_at: CreatedAt;
}

export type OutboxStatus = "pending" | "sending" | "sent" | "cancelled" | "in_doubt" | "failed";

export interface OutboxTable {
  id: Generated<string>;
  tenant_id: string;
  debtor_id: string;
  idempotency_key: string;
  step_id: string;
  channel: string;
  plugin_id: string;
  status: ColumnType<OutboxStatus, OutboxStatus | undefined, OutboxStatus>;
  attempts: ColumnType<number, number | undefined, number>;
  payload: Json<Record<string, unknown>>;
  external_id: string | null;
  last_error: string | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
  sent_at: Date | null;
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
  | "mediation"
  | "connection"
  | "write_back";

export interface CommunicationsTable {
  id: ColumnType<number, never, never>;
  tenant_id: string;
  debtor_id: string | null;
  message_id: string | null;
  kind: CommunicationKind;
  channel: string | null;
  status: string | null;
  summary: string;
  detail: Json<Record<string, unknown>>;
  occurred_at: Date;
  recorded_at: CreatedAt;
}

export interface WebhookInboxTable {
  id: Generated<string>;
  provider: string;
  provider_event_id: string;
  tenant_id: string | null;
  received_at: CreatedAt;
  payload: Json<unknown>;
}

export type ImportStatus = "applied" | "rejected";

export interface ImportsTable {
  id: Generated<string>;
  tenant_id: string;
  connection_id: string;
  file_name: string;
  sha256: string;
  status: ImportStatus;
  row_count: number;
  summary: Json<Record<string, unknown>>;
  created_at: CreatedAt;
}

export type { DisputeReason, Mediator };
export type DisputeStatus = "open" | "in_mediation" | "upheld" | "rejected" | "partly_upheld" | "escalated" | "withdrawn";

/** What a resolved dispute concluded: `upheldMinor` is the part of the disputed amount conceded. */
export interface DisputeOutcome {
  readonly upheldMinor: number;
  readonly explanation: string;
}

export interface DisputesTable {
  id: Generated<string>;
  tenant_id: string;
  debtor_id: string;
  invoice_id: string;
  amount_minor: number;
  currency: string;
  reason: DisputeReason;
  comment: ColumnType<string, string | undefined, string>;
  status: ColumnType<DisputeStatus, DisputeStatus | undefined, DisputeStatus>;
  mediator: NullableJson<Mediator>;
  sla_due_at: Date | null;
  outcome: NullableJson<DisputeOutcome>;
  opened_at: CreatedAt;
  resolved_at: Date | null;
  created_by: string;
  updated_at: UpdatedAt;
}

export type PromiseStatus = "open" | "kept" | "broken" | "cancelled";
export type PromiseSource = "api" | "reply" | "phone" | "debtor_page";

export interface PromisesToPayTable {
  id: Generated<string>;
  tenant_id: string;
  debtor_id: string;
  promised_date: string;
  amount_minor: number;
  currency: string;
  invoice_ids: Json<string[]>;
  /** Invoice id → its balance (minor units) when the promise was made. */
  baseline: Json<Record<string, number>>;
  status: ColumnType<PromiseStatus, PromiseStatus | undefined, PromiseStatus>;
  source: PromiseSource;
  created_at: CreatedAt;
  settled_at: Date | null;
}

export type PlanStatus = "active" | "completed" | "broken" | "cancelled";
export type InstalmentStatus = "due" | "paid" | "missed";

export interface PaymentPlansTable {
  id: Generated<string>;
  tenant_id: string;
  debtor_id: string;
  currency: string;
  total_minor: number;
  invoice_ids: Json<string[]>;
  status: ColumnType<PlanStatus, PlanStatus | undefined, PlanStatus>;
  created_at: CreatedAt;
  ended_at: Date | null;
}

export interface PlanInstalmentsTable {
  tenant_id: string;
  plan_id: string;
  seq: number;
  due_date: string;
  amount_minor: number;
  status: ColumnType<InstalmentStatus, InstalmentStatus | undefined, InstalmentStatus>;
  updated_at: UpdatedAt;
}

export type TaskKind = "phone_call" | "review" | "mediation" | "write_back" | "agency_refused" | "reconnect_ledger";
export type TaskStatus = "open" | "done" | "cancelled";
export type TaskOutcome = "reached" | "promised" | "disputed" | "wrong_number" | "no_answer";

export interface TasksTable {
  id: Generated<string>;
  tenant_id: string;
  debtor_id: string | null;
  kind: TaskKind;
  title: string;
  detail: Json<Record<string, unknown>>;
  status: ColumnType<TaskStatus, TaskStatus | undefined, TaskStatus>;
  due_at: Date;
  assignee: string | null;
  outcome: TaskOutcome | null;
  outcome_note: string | null;
  idempotency_key: string | null;
  created_at: CreatedAt;
  completed_at: Date | null;
}

export type LedgerActionKind = "credit_note" | "late_fee" | "note";
export type LedgerActionStatus = "pending" | "done" | "failed" | "not_supported";

export interface LedgerActionsTable {
  id: Generated<string>;
  tenant_id: string;
  debtor_id: string;
  connection_id: string;
  kind: LedgerActionKind;
  payload: Json<Record<string, unknown>>;
  status: ColumnType<LedgerActionStatus, LedgerActionStatus | undefined, LedgerActionStatus>;
  idempotency_key: string;
  attempts: ColumnType<number, number | undefined, number>;
  last_error: string | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface Database {
  tenants: TenantsTable;
  api_keys: ApiKeysTable;
  connections: ConnectionsTable;
  oauth_states: OAuthStatesTable;
  oauth_grants: OAuthGrantsTable;
  ledger_credit_notes: LedgerCreditNotesTable;
  ledger_payments: LedgerPaymentsTable;
  debtors: DebtorsTable;
  invoices: InvoicesTable;
  policies: PoliciesTable;
  outbox: OutboxTable;
  communications: CommunicationsTable;
  webhook_inbox: WebhookInboxTable;
  imports: ImportsTable;
  disputes: DisputesTable;
  promises_to_pay: PromisesToPayTable;
  payment_plans: PaymentPlansTable;
  plan_instalments: PlanInstalmentsTable;
  tasks: TasksTable;
  ledger_actions: LedgerActionsTable;
}

/** The database, or a transaction on it: every repository function takes either. */
export type Db = Kysely<Database>;
