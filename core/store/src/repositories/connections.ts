/**
 * Connections: a tenant's configured plugin (ledger, channel, agency). Settings are plain jsonb; secrets
 * are one AES-GCM envelope, bound to the connection's identity, and are only readable through
 * `Connection.secrets()` — listings never select them.
 */
import { RelanceError } from "@relance/core";
import { sql } from "kysely";
import type { ConnectionKind, ConnectionStatus, Db } from "../schema";
import { decryptSecret, encryptSecret, envelopeKeyId, type Keyring, reencryptSecret } from "../secret-box";
import { isUuid } from "../support";

export interface ConnectionInput {
  readonly pluginId: string;
  readonly kind: ConnectionKind;
  readonly name: string;
  readonly config: Record<string, unknown>;
  /** Replaces the stored secrets; leave out to keep the ones already stored. */
  readonly secrets?: Record<string, unknown>;
}

export interface ConnectionSummary {
  readonly id: string;
  readonly tenantId: string;
  readonly pluginId: string;
  readonly kind: ConnectionKind;
  readonly name: string;
  readonly config: Record<string, unknown>;
  readonly status: ConnectionStatus;
  readonly hasSecrets: boolean;
  /** Where the next incremental sync of a ledger starts. */
  readonly watermark: string | null;
  readonly lastSyncedAt: Date | null;
  /** OAuth connections: the grant whose tokens they use and the ledger account they read. */
  readonly grantId: string | null;
  readonly accountId: string | null;
  readonly statusReason: string | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export interface Connection extends ConnectionSummary {
  /** Decrypts the stored secrets ({} when there are none). */
  secrets(): Record<string, unknown>;
}

const SUMMARY_COLUMNS = [
  "id",
  "tenant_id",
  "plugin_id",
  "kind",
  "name",
  "config",
  "status",
  "watermark",
  "last_synced_at",
  "grant_id",
  "account_id",
  "status_reason",
  "created_at",
  "updated_at",
] as const;

interface SummaryRow {
  id: string;
  tenant_id: string;
  plugin_id: string;
  kind: ConnectionKind;
  name: string;
  config: Record<string, unknown>;
  status: ConnectionStatus;
  watermark: string | null;
  last_synced_at: Date | null;
  grant_id: string | null;
  account_id: string | null;
  status_reason: string | null;
  created_at: Date;
  updated_at: Date;
  has_secrets: boolean;
}

function toSummary(row: SummaryRow): ConnectionSummary {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    pluginId: row.plugin_id,
    kind: row.kind,
    name: row.name,
    config: row.config,
    status: row.status,
    hasSecrets: row.has_secrets,
    watermark: row.watermark,
    lastSyncedAt: row.last_synced_at,
    grantId: row.grant_id,
    accountId: row.account_id,
    statusReason: row.status_reason,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** What the envelope is bound to: the same ciphertext pasted into another row does not decrypt. */
function secretContext(tenantId: string, pluginId: string, name: string): string {
  return `connection:${tenantId}:${pluginId}:${name}`;
}

function sealSecrets(keyring: Keyring, tenantId: string, pluginId: string, name: string, secrets: Record<string, unknown>) {
  const envelope = encryptSecret(keyring, JSON.stringify(secrets), secretContext(tenantId, pluginId, name));
  return { secrets_ciphertext: envelope, secrets_key_id: keyring.primaryKeyId };
}

/** Creates the connection, or updates the one with the same (plugin, name) in this tenant. */
export async function ensureConnection(
  db: Db,
  keyring: Keyring | undefined,
  tenantId: string,
  input: ConnectionInput,
): Promise<ConnectionSummary> {
  const sealed =
    input.secrets === undefined
      ? undefined
      : sealSecrets(requireKeyring(keyring), tenantId, input.pluginId, input.name, input.secrets);
  const config = JSON.stringify(input.config);
  const row = await db
    .insertInto("connections")
    .values({ tenant_id: tenantId, plugin_id: input.pluginId, kind: input.kind, name: input.name, config, ...sealed })
    .onConflict((conflict) =>
      conflict.columns(["tenant_id", "plugin_id", "name"]).doUpdateSet({
        kind: input.kind,
        config,
        ...sealed,
        updated_at: sql<Date>`now()`,
      }),
    )
    .returning([...SUMMARY_COLUMNS, sql<boolean>`secrets_ciphertext IS NOT NULL`.as("has_secrets")])
    .executeTakeFirstOrThrow();
  return toSummary(row);
}

export function requireKeyring(keyring: Keyring | undefined): Keyring {
  if (!keyring) {
    throw new RelanceError(
      "misconfigured",
      "this store was opened without a keyring: connection secrets cannot be read or written",
    );
  }
  return keyring;
}

export interface GetConnectionOptions {
  /** Inside a transaction: lock the row until commit (e.g. while refreshing an OAuth token). */
  readonly forUpdate?: boolean;
}

export async function getConnection(
  db: Db,
  keyring: Keyring | undefined,
  tenantId: string,
  connectionId: string,
  options: GetConnectionOptions = {},
): Promise<Connection | undefined> {
  if (!isUuid(tenantId) || !isUuid(connectionId)) return undefined;
  let query = db
    .selectFrom("connections")
    .select([...SUMMARY_COLUMNS, "secrets_ciphertext", sql<boolean>`secrets_ciphertext IS NOT NULL`.as("has_secrets")])
    .where("tenant_id", "=", tenantId)
    .where("id", "=", connectionId);
  if (options.forUpdate) query = query.forUpdate();
  const row = await query.executeTakeFirst();
  if (!row) return undefined;
  const envelope = row.secrets_ciphertext;
  const context = secretContext(row.tenant_id, row.plugin_id, row.name);
  return {
    ...toSummary(row),
    secrets: () =>
      envelope === null ? {} : (JSON.parse(decryptSecret(requireKeyring(keyring), envelope, context)) as Record<string, unknown>),
  };
}

export async function listConnections(
  db: Db,
  tenantId: string,
  filter: { kind?: ConnectionKind } = {},
): Promise<ConnectionSummary[]> {
  if (!isUuid(tenantId)) return [];
  let query = db
    .selectFrom("connections")
    .select([...SUMMARY_COLUMNS, sql<boolean>`secrets_ciphertext IS NOT NULL`.as("has_secrets")])
    .where("tenant_id", "=", tenantId);
  if (filter.kind) query = query.where("kind", "=", filter.kind);
  const rows = await query.orderBy("created_at").orderBy("id").execute();
  return rows.map(toSummary);
}

/** Replaces a connection's secrets (e.g. a rotated OAuth refresh token). False when not found. */
export async function updateConnectionSecrets(
  db: Db,
  keyring: Keyring | undefined,
  tenantId: string,
  connectionId: string,
  secrets: Record<string, unknown>,
): Promise<boolean> {
  if (!isUuid(tenantId) || !isUuid(connectionId)) return false;
  const identity = await db
    .selectFrom("connections")
    .select(["plugin_id", "name"])
    .where("tenant_id", "=", tenantId)
    .where("id", "=", connectionId)
    .executeTakeFirst();
  if (!identity) return false;
  const sealed = sealSecrets(requireKeyring(keyring), tenantId, identity.plugin_id, identity.name, secrets);
  const result = await db
    .updateTable("connections")
    .set({ ...sealed, updated_at: sql<Date>`now()` })
    .where("tenant_id", "=", tenantId)
    .where("id", "=", connectionId)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export async function setConnectionStatus(
  db: Db,
  tenantId: string,
  connectionId: string,
  status: ConnectionStatus,
  reason: string | null = null,
): Promise<boolean> {
  if (!isUuid(tenantId) || !isUuid(connectionId)) return false;
  const result = await db
    .updateTable("connections")
    .set({ status, status_reason: reason, updated_at: sql<Date>`now()` })
    .where("tenant_id", "=", tenantId)
    .where("id", "=", connectionId)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** A connection's non-secret settings (e.g. write-back switches), replaced whole after validation. */
export async function updateConnectionConfig(
  db: Db,
  tenantId: string,
  connectionId: string,
  config: Record<string, unknown>,
): Promise<boolean> {
  if (!isUuid(tenantId) || !isUuid(connectionId)) return false;
  const result = await db
    .updateTable("connections")
    .set({ config: JSON.stringify(config), updated_at: sql<Date>`now()` })
    .where("tenant_id", "=", tenantId)
    .where("id", "=", connectionId)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** Records where the next incremental sync starts, once every page of a sync is stored. */
export async function recordSyncWatermark(
  db: Db,
  tenantId: string,
  connectionId: string,
  watermark: string | null,
): Promise<boolean> {
  if (!isUuid(tenantId) || !isUuid(connectionId)) return false;
  const result = await db
    .updateTable("connections")
    .set({ watermark, last_synced_at: sql<Date>`now()`, updated_at: sql<Date>`now()` })
    .where("tenant_id", "=", tenantId)
    .where("id", "=", connectionId)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export interface ReencryptResult {
  readonly reencrypted: number;
  /** Connections whose secrets could not be decrypted (damaged, or under a key no longer held). */
  readonly failed: readonly { readonly tenantId: string; readonly connectionId: string; readonly reason: string }[];
}

/**
 * Key rotation, across all tenants: re-encrypts with the primary key every secret still under another
 * key. Run it after putting a new key first in RELANCE_SECRET_KEY; once nothing is left under the old
 * key (and nothing failed), the old key can be dropped. One damaged row does not stop the others.
 */
export async function reencryptConnectionSecrets(db: Db, keyring: Keyring): Promise<ReencryptResult> {
  const rows = await db
    .selectFrom("connections")
    .select(["id", "tenant_id", "plugin_id", "name", "secrets_ciphertext"])
    .where("secrets_ciphertext", "is not", null)
    .where((eb) => eb.or([eb("secrets_key_id", "is", null), eb("secrets_key_id", "!=", keyring.primaryKeyId)]))
    .execute();
  let reencrypted = 0;
  const failed: { tenantId: string; connectionId: string; reason: string }[] = [];
  for (const row of rows) {
    if (row.secrets_ciphertext === null) continue;
    let envelope: string;
    try {
      envelope = reencryptSecret(keyring, row.secrets_ciphertext, secretContext(row.tenant_id, row.plugin_id, row.name));
    } catch (error) {
      failed.push({ tenantId: row.tenant_id, connectionId: row.id, reason: (error as Error).message });
      continue;
    }
    await db
      .updateTable("connections")
      .set({ secrets_ciphertext: envelope, secrets_key_id: envelopeKeyId(envelope) })
      .where("id", "=", row.id)
      .where("secrets_ciphertext", "=", row.secrets_ciphertext)
      .execute();
    reencrypted += 1;
  }
  return { reencrypted, failed };
}
