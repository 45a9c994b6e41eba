/**
 * The escalation engine's records: disputes, promises to pay, payment plans and their instalments,
 * tasks for people, pending write-backs to the ledger; per-debtor overrides; more communication kinds.
 * It must run on PostgreSQL 15 (Debian 12) and on PGlite (PostgreSQL 18).
 *
 * "One open at a time" rules are partial unique indexes, so two racing writers cannot both win.
 */
import { type Kysely, sql } from "kysely";

const CURRENCY = `CHECK (currency ~ '^[A-Z]{3}$')`;

const statements = [
  // Disputes reference invoices through (tenant_id, id), like every other reference between tenant tables.
  `ALTER TABLE invoices ADD CONSTRAINT invoices_tenant_id_id_key UNIQUE (tenant_id, id)`,

  `ALTER TABLE debtors ADD COLUMN overrides jsonb NOT NULL DEFAULT '{}'
    CONSTRAINT debtors_overrides_check CHECK (jsonb_typeof(overrides) = 'object')`,

  // The kind check was created unnamed in 0001; its generated name is found rather than assumed, and
  // the migration fails loudly unless exactly one check on that column was replaced.
  `DO $$
  DECLARE
    found text;
    dropped integer := 0;
  BEGIN
    FOR found IN
      SELECT c.conname FROM pg_constraint c
      JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attname = 'kind'
      WHERE c.conrelid = 'communications'::regclass AND c.contype = 'c' AND c.conkey = ARRAY[a.attnum]
    LOOP
      EXECUTE format('ALTER TABLE communications DROP CONSTRAINT %I', found);
      dropped := dropped + 1;
    END LOOP;
    IF dropped <> 1 THEN
      RAISE EXCEPTION 'expected one check constraint on communications.kind, found %', dropped;
    END IF;
  END
  $$`,
  `ALTER TABLE communications ADD CONSTRAINT communications_kind_check CHECK (kind IN (
    'message', 'delivery', 'decision', 'note', 'import', 'dispute', 'promise', 'plan', 'task', 'mediation'))`,

  `CREATE TABLE disputes (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id uuid NOT NULL,
    debtor_id uuid NOT NULL,
    invoice_id uuid NOT NULL,
    amount_minor bigint NOT NULL CHECK (amount_minor > 0),
    currency char(3) NOT NULL ${CURRENCY},
    reason text NOT NULL CHECK (reason IN (
      'billing_error', 'not_as_agreed', 'already_paid', 'financial_hardship', 'wrong_recipient', 'other')),
    comment text NOT NULL DEFAULT '',
    status text NOT NULL DEFAULT 'open' CHECK (status IN (
      'open', 'in_mediation', 'upheld', 'rejected', 'partly_upheld', 'escalated', 'withdrawn')),
    mediator jsonb CHECK (mediator IS NULL OR jsonb_typeof(mediator) = 'object'),
    sla_due_at timestamptz,
    outcome jsonb CHECK (outcome IS NULL OR jsonb_typeof(outcome) = 'object'),
    opened_at timestamptz NOT NULL DEFAULT now(),
    resolved_at timestamptz,
    created_by text NOT NULL CHECK (length(created_by) > 0),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, debtor_id) REFERENCES debtors (tenant_id, id),
    FOREIGN KEY (tenant_id, invoice_id) REFERENCES invoices (tenant_id, id),
    CONSTRAINT disputes_resolution_check CHECK (
      (status IN ('open', 'in_mediation')) = (resolved_at IS NULL)
      AND (status IN ('open', 'in_mediation')) = (outcome IS NULL)),
    CONSTRAINT disputes_mediator_required_check CHECK (status <> 'in_mediation' OR mediator IS NOT NULL)
  )`,
  `CREATE UNIQUE INDEX disputes_one_open_per_invoice ON disputes (tenant_id, invoice_id)
    WHERE status IN ('open', 'in_mediation')`,
  `CREATE INDEX disputes_by_debtor ON disputes (tenant_id, debtor_id, opened_at, id)`,
  `CREATE INDEX disputes_by_status ON disputes (tenant_id, status, opened_at, id)`,

  `CREATE TABLE promises_to_pay (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id uuid NOT NULL,
    debtor_id uuid NOT NULL,
    promised_date date NOT NULL,
    amount_minor bigint NOT NULL CHECK (amount_minor > 0),
    currency char(3) NOT NULL ${CURRENCY},
    invoice_ids jsonb NOT NULL CHECK (jsonb_typeof(invoice_ids) = 'array'),
    baseline jsonb NOT NULL CHECK (jsonb_typeof(baseline) = 'object'),
    status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'kept', 'broken', 'cancelled')),
    source text NOT NULL CHECK (source IN ('api', 'reply', 'phone', 'debtor_page')),
    created_at timestamptz NOT NULL DEFAULT now(),
    settled_at timestamptz,
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, debtor_id) REFERENCES debtors (tenant_id, id),
    CONSTRAINT promises_to_pay_settled_check CHECK ((status = 'open') = (settled_at IS NULL))
  )`,
  `CREATE UNIQUE INDEX promises_to_pay_one_open_per_debtor ON promises_to_pay (tenant_id, debtor_id) WHERE status = 'open'`,
  `CREATE INDEX promises_to_pay_by_debtor ON promises_to_pay (tenant_id, debtor_id, created_at, id)`,

  `CREATE TABLE payment_plans (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id uuid NOT NULL,
    debtor_id uuid NOT NULL,
    currency char(3) NOT NULL ${CURRENCY},
    total_minor bigint NOT NULL CHECK (total_minor > 0),
    invoice_ids jsonb NOT NULL CHECK (jsonb_typeof(invoice_ids) = 'array'),
    status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'completed', 'broken', 'cancelled')),
    created_at timestamptz NOT NULL DEFAULT now(),
    ended_at timestamptz,
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, debtor_id) REFERENCES debtors (tenant_id, id),
    CONSTRAINT payment_plans_ended_check CHECK ((status = 'active') = (ended_at IS NULL))
  )`,
  `CREATE UNIQUE INDEX payment_plans_one_active_per_debtor ON payment_plans (tenant_id, debtor_id) WHERE status = 'active'`,
  `CREATE INDEX payment_plans_by_debtor ON payment_plans (tenant_id, debtor_id, created_at, id)`,

  `CREATE TABLE plan_instalments (
    tenant_id uuid NOT NULL,
    plan_id uuid NOT NULL,
    seq integer NOT NULL CHECK (seq > 0),
    due_date date NOT NULL,
    amount_minor bigint NOT NULL CHECK (amount_minor > 0),
    status text NOT NULL DEFAULT 'due' CHECK (status IN ('due', 'paid', 'missed')),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT plan_instalments_pkey PRIMARY KEY (plan_id, seq),
    FOREIGN KEY (tenant_id, plan_id) REFERENCES payment_plans (tenant_id, id)
  )`,

  // due_at keeps milliseconds only, so a JS Date round-trips exactly through a list cursor.
  `CREATE TABLE tasks (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    debtor_id uuid,
    kind text NOT NULL CHECK (kind IN ('phone_call', 'review', 'mediation', 'write_back', 'agency_refused')),
    title text NOT NULL CHECK (length(title) > 0),
    detail jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(detail) = 'object'),
    status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done', 'cancelled')),
    due_at timestamptz(3) NOT NULL,
    assignee text,
    outcome text CHECK (outcome IN ('reached', 'promised', 'disputed', 'wrong_number', 'no_answer')),
    outcome_note text,
    idempotency_key text CHECK (length(idempotency_key) BETWEEN 1 AND 255),
    created_at timestamptz NOT NULL DEFAULT now(),
    completed_at timestamptz,
    UNIQUE (tenant_id, id),
    CONSTRAINT tasks_idempotency_key_key UNIQUE (tenant_id, idempotency_key),
    FOREIGN KEY (tenant_id, debtor_id) REFERENCES debtors (tenant_id, id),
    CONSTRAINT tasks_completed_check CHECK ((status = 'open') = (completed_at IS NULL)),
    CONSTRAINT tasks_outcome_when_done_check CHECK (outcome IS NULL OR status = 'done')
  )`,
  `CREATE INDEX tasks_by_status ON tasks (tenant_id, status, due_at, id)`,
  `CREATE INDEX tasks_by_debtor ON tasks (tenant_id, debtor_id, due_at, id) WHERE debtor_id IS NOT NULL`,

  `CREATE TABLE ledger_actions (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id uuid NOT NULL,
    debtor_id uuid NOT NULL,
    connection_id uuid NOT NULL,
    kind text NOT NULL CHECK (kind IN ('credit_note', 'late_fee', 'note')),
    payload jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(payload) = 'object'),
    status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'failed', 'not_supported')),
    idempotency_key text NOT NULL CHECK (length(idempotency_key) BETWEEN 1 AND 255),
    attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    last_error text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, id),
    CONSTRAINT ledger_actions_idempotency_key_key UNIQUE (tenant_id, idempotency_key),
    -- The debtor is in this tenant and comes from this connection (the ledger written back to).
    FOREIGN KEY (tenant_id, connection_id, debtor_id) REFERENCES debtors (tenant_id, connection_id, id)
  )`,
  `CREATE INDEX ledger_actions_by_status ON ledger_actions (tenant_id, status, created_at, id)`,
  `CREATE INDEX ledger_actions_by_debtor ON ledger_actions (tenant_id, debtor_id, created_at, id)`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}
