/**
 * The first schema. It must run on PostgreSQL 15 (Debian 12) and on PGlite (PostgreSQL 18).
 *
 * Tenant-owned tables carry `tenant_id`, and references between them are composite
 * (tenant_id, id) foreign keys, so a row can never point at another tenant's row even if a query forgot
 * its tenant filter.
 */
import { type Kysely, sql } from "kysely";

const statements = [
  `CREATE TABLE tenants (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name text NOT NULL CHECK (length(name) > 0),
    slug text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]*$'),
    default_language text NOT NULL,
    sender_name text NOT NULL,
    sender_email text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
  )`,

  `CREATE TABLE api_keys (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    label text NOT NULL,
    prefix text NOT NULL UNIQUE,
    hash text NOT NULL CHECK (hash ~ '^[0-9a-f]{64}$'),
    created_at timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    revoked_at timestamptz
  )`,
  `CREATE INDEX api_keys_by_tenant ON api_keys (tenant_id, created_at)`,

  `CREATE TABLE connections (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    plugin_id text NOT NULL,
    kind text NOT NULL CHECK (kind IN ('connector', 'channel', 'agency')),
    name text NOT NULL,
    config jsonb NOT NULL DEFAULT '{}',
    secrets_ciphertext text,
    secrets_key_id text,
    status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled', 'error')),
    watermark text,
    last_synced_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, plugin_id, name),
    UNIQUE (tenant_id, id)
  )`,

  `CREATE TABLE debtors (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id uuid NOT NULL,
    connection_id uuid NOT NULL,
    external_id text NOT NULL,
    name text NOT NULL,
    emails jsonb NOT NULL DEFAULT '[]',
    phone text,
    language text,
    kind text CHECK (kind IN ('b2b', 'b2c')),
    address jsonb,
    time_zone text,
    tags jsonb NOT NULL DEFAULT '[]',
    paused boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, connection_id, external_id),
    UNIQUE (tenant_id, id),
    UNIQUE (tenant_id, connection_id, id),
    FOREIGN KEY (tenant_id, connection_id) REFERENCES connections (tenant_id, id)
  )`,
  `CREATE INDEX debtors_by_name ON debtors (tenant_id, name, id)`,

  `CREATE TABLE invoices (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id uuid NOT NULL,
    connection_id uuid NOT NULL,
    debtor_id uuid NOT NULL,
    external_id text NOT NULL,
    number text NOT NULL,
    currency char(3) NOT NULL,
    total_minor bigint NOT NULL CHECK (total_minor >= 0),
    balance_minor bigint NOT NULL CHECK (balance_minor >= 0 AND balance_minor <= total_minor),
    issue_date date NOT NULL,
    due_date date NOT NULL,
    status text NOT NULL CHECK (status IN ('open', 'paid', 'void')),
    reference text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, connection_id, external_id),
    -- One foreign key checks both: the debtor is in this tenant and this connection (which is in the
    -- tenant). Each extra key costs a lookup per row in bulk upserts.
    FOREIGN KEY (tenant_id, connection_id, debtor_id) REFERENCES debtors (tenant_id, connection_id, id)
  )`,
  `CREATE INDEX invoices_by_due_date ON invoices (tenant_id, due_date, id)`,
  `CREATE INDEX invoices_by_debtor ON invoices (tenant_id, debtor_id, due_date, id)`,

  `CREATE TABLE policies (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    key text NOT NULL,
    version integer NOT NULL CHECK (version > 0),
    name text NOT NULL,
    definition jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, key, version)
  )`,

  `CREATE TABLE outbox (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id uuid NOT NULL,
    debtor_id uuid NOT NULL,
    idempotency_key text NOT NULL UNIQUE CHECK (length(idempotency_key) BETWEEN 1 AND 255),
    step_id text NOT NULL,
    channel text NOT NULL,
    plugin_id text NOT NULL,
    status text NOT NULL DEFAULT 'pending'
      CHECK (status IN ('pending', 'sending', 'sent', 'cancelled', 'in_doubt', 'failed')),
    attempts integer NOT NULL DEFAULT 0,
    payload jsonb NOT NULL DEFAULT '{}',
    external_id text,
    last_error text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    sent_at timestamptz,
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, debtor_id) REFERENCES debtors (tenant_id, id)
  )`,
  `CREATE INDEX outbox_by_debtor ON outbox (tenant_id, debtor_id, created_at)`,
  `CREATE INDEX outbox_by_status ON outbox (tenant_id, status, created_at)`,

  // occurred_at keeps milliseconds only, so a JS Date round-trips exactly through a timeline cursor.
  `CREATE TABLE communications (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    debtor_id uuid,
    message_id uuid,
    kind text NOT NULL CHECK (kind IN ('message', 'delivery', 'decision', 'note', 'import')),
    channel text,
    status text,
    summary text NOT NULL,
    detail jsonb NOT NULL DEFAULT '{}',
    occurred_at timestamptz(3) NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (tenant_id, debtor_id) REFERENCES debtors (tenant_id, id),
    FOREIGN KEY (tenant_id, message_id) REFERENCES outbox (tenant_id, id)
  )`,
  `CREATE INDEX communications_timeline ON communications (tenant_id, debtor_id, occurred_at, id)`,
  `CREATE INDEX communications_by_message ON communications (tenant_id, message_id) WHERE message_id IS NOT NULL`,
  `CREATE FUNCTION relance_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'object_not_in_prerequisite_state';
  END
  $$`,
  `CREATE TRIGGER communications_append_only BEFORE UPDATE OR DELETE ON communications
    FOR EACH ROW EXECUTE FUNCTION relance_refuse_change()`,
  `CREATE TRIGGER communications_no_truncate BEFORE TRUNCATE ON communications
    FOR EACH STATEMENT EXECUTE FUNCTION relance_refuse_change()`,

  `CREATE TABLE webhook_inbox (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    provider text NOT NULL,
    provider_event_id text NOT NULL,
    tenant_id uuid REFERENCES tenants (id),
    received_at timestamptz NOT NULL DEFAULT now(),
    payload jsonb NOT NULL,
    UNIQUE (provider, provider_event_id)
  )`,

  `CREATE TABLE imports (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id uuid NOT NULL,
    connection_id uuid NOT NULL,
    file_name text NOT NULL,
    sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    status text NOT NULL CHECK (status IN ('applied', 'rejected')),
    row_count integer NOT NULL CHECK (row_count >= 0),
    summary jsonb NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (tenant_id, connection_id) REFERENCES connections (tenant_id, id)
  )`,
  `CREATE INDEX imports_by_file ON imports (tenant_id, connection_id, sha256, created_at)`,
  // The same file can be rejected many times but applied only once, even by two racing uploads.
  `CREATE UNIQUE INDEX imports_applied_once ON imports (tenant_id, connection_id, sha256) WHERE status = 'applied'`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}
