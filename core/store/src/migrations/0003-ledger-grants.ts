/**
 * OAuth ledgers: the short-lived `state` of a connect flow, the grants (encrypted tokens shared by the
 * connections of one authorisation — a Xero grant can open several organisations, and its refresh token
 * rotates, so the grant, not each connection, is what gets refreshed under a lock), ledger credit notes
 * and payments, connection status "needs_reauth", and tenant-level timeline entries about connections.
 */
import { type Kysely, sql } from "kysely";

/** Replaces the one check constraint on `table.column` (created unnamed) with a named one. */
function replaceColumnCheck(table: string, column: string, check: string): string[] {
  return [
    `DO $$
    DECLARE
      found text;
      dropped integer := 0;
    BEGIN
      FOR found IN
        SELECT c.conname FROM pg_constraint c
        JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attname = '${column}'
        WHERE c.conrelid = '${table}'::regclass AND c.contype = 'c' AND c.conkey = ARRAY[a.attnum]
      LOOP
        EXECUTE format('ALTER TABLE ${table} DROP CONSTRAINT %I', found);
        dropped := dropped + 1;
      END LOOP;
      IF dropped <> 1 THEN
        RAISE EXCEPTION 'expected one check constraint on ${table}.${column}, found %', dropped;
      END IF;
    END
    $$`,
    `ALTER TABLE ${table} ADD CONSTRAINT ${table}_${column}_check CHECK (${check})`,
  ];
}

const statements = [
  `CREATE TABLE oauth_states (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    api_key_id uuid REFERENCES api_keys (id),
    plugin_id text NOT NULL,
    -- SHA-256 of the state sent to the provider, and of the browser cookie that must come back with it.
    state_hash text NOT NULL UNIQUE,
    browser_hash text NOT NULL,
    verifier_ciphertext text,
    connection_name text NOT NULL CHECK (length(connection_name) BETWEEN 1 AND 200),
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    used_at timestamptz
  )`,
  `CREATE INDEX oauth_states_by_expiry ON oauth_states (expires_at)`,

  `CREATE TABLE oauth_grants (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    plugin_id text NOT NULL,
    tokens_ciphertext text NOT NULL,
    tokens_key_id text NOT NULL,
    accounts jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(accounts) = 'array'),
    status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'needs_reauth', 'revoked')),
    status_reason text,
    connection_name text NOT NULL,
    refreshed_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, id)
  )`,

  `ALTER TABLE connections ADD COLUMN grant_id uuid`,
  `ALTER TABLE connections ADD COLUMN account_id text`,
  `ALTER TABLE connections ADD COLUMN status_reason text`,
  `ALTER TABLE connections ADD CONSTRAINT connections_grant_fkey FOREIGN KEY (tenant_id, grant_id) REFERENCES oauth_grants (tenant_id, id)`,
  // One connection per ledger account (Xero organisation, QuickBooks realm) and tenant.
  `CREATE UNIQUE INDEX connections_account_key ON connections (tenant_id, plugin_id, account_id) WHERE account_id IS NOT NULL`,
  `CREATE INDEX connections_by_account ON connections (plugin_id, account_id) WHERE account_id IS NOT NULL`,
  ...replaceColumnCheck("connections", "status", `status IN ('active', 'disabled', 'error', 'needs_reauth')`),
  ...replaceColumnCheck(
    "tasks",
    "kind",
    `kind IN ('phone_call', 'review', 'mediation', 'write_back', 'agency_refused', 'reconnect_ledger')`,
  ),

  `ALTER TABLE communications DROP CONSTRAINT communications_kind_check`,
  `ALTER TABLE communications ADD CONSTRAINT communications_kind_check CHECK (kind IN (
    'message', 'delivery', 'decision', 'note', 'import', 'dispute', 'promise', 'plan', 'task', 'mediation',
    'connection', 'write_back'))`,

  `CREATE TABLE ledger_credit_notes (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id uuid NOT NULL,
    connection_id uuid NOT NULL,
    debtor_id uuid NOT NULL,
    external_id text NOT NULL,
    number text NOT NULL,
    currency char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    total_minor bigint NOT NULL CHECK (total_minor >= 0),
    remaining_minor bigint NOT NULL CHECK (remaining_minor >= 0),
    issue_date date NOT NULL,
    status text NOT NULL CHECK (status IN ('open', 'applied', 'void')),
    allocations jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(allocations) = 'array'),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, connection_id, external_id),
    FOREIGN KEY (tenant_id, connection_id, debtor_id) REFERENCES debtors (tenant_id, connection_id, id)
  )`,
  `CREATE TABLE ledger_payments (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id uuid NOT NULL,
    connection_id uuid NOT NULL,
    external_id text NOT NULL,
    invoice_external_id text NOT NULL,
    currency char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    amount_minor bigint NOT NULL CHECK (amount_minor > 0),
    paid_on date NOT NULL,
    status text NOT NULL CHECK (status IN ('posted', 'deleted')),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, connection_id, external_id, invoice_external_id),
    FOREIGN KEY (tenant_id, connection_id) REFERENCES connections (tenant_id, id)
  )`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}
