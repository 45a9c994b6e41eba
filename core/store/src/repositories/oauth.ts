/**
 * OAuth connect flows and grants. A `state` is stored only as a hash, bound to the tenant, the API key
 * that started the flow and a browser cookie, and is consumed once. A grant holds the tokens (one AES-GCM
 * envelope bound to the grant's identity) and the ledger accounts it opens; connections point at it.
 */
import { randomUUID } from "node:crypto";
import { type OAuthAccount, type OAuthTokens, RelanceError } from "@relance/core";
import { sql } from "kysely";
import type { Db, GrantStatus } from "../schema";
import { decryptSecret, encryptSecret, type Keyring } from "../secret-box";
import { isUuid } from "../support";
import { requireKeyring } from "./connections";

export interface NewOAuthState {
  readonly tenantId: string;
  readonly apiKeyId: string | null;
  readonly pluginId: string;
  readonly stateHash: string;
  readonly browserHash: string;
  readonly codeVerifier?: string;
  readonly connectionName: string;
  readonly expiresAt: Date;
}

export interface ConsumedOAuthState {
  readonly tenantId: string;
  readonly apiKeyId: string | null;
  readonly pluginId: string;
  readonly browserHash: string;
  readonly codeVerifier: string | undefined;
  readonly connectionName: string;
}

const stateContext = (stateHash: string) => `oauth-state:${stateHash}`;

export async function createOAuthState(db: Db, keyring: Keyring | undefined, input: NewOAuthState): Promise<void> {
  const verifier =
    input.codeVerifier === undefined
      ? null
      : encryptSecret(requireKeyring(keyring), input.codeVerifier, stateContext(input.stateHash));
  await db
    .insertInto("oauth_states")
    .values({
      tenant_id: input.tenantId,
      api_key_id: input.apiKeyId,
      plugin_id: input.pluginId,
      state_hash: input.stateHash,
      browser_hash: input.browserHash,
      verifier_ciphertext: verifier,
      connection_name: input.connectionName,
      expires_at: input.expiresAt,
    })
    .execute();
  // Old states are worthless: clear them as new ones are made.
  await db.deleteFrom("oauth_states").where("expires_at", "<", sql<Date>`now() - interval '1 day'`).execute();
}

/**
 * Marks the state used and returns what it was bound to. Unknown, already used, expired, made for
 * another plugin or arriving in another browser: refused with the reason. A state brought by the wrong
 * browser is not consumed, so a stolen link cannot spoil the real user's flow.
 */
export async function consumeOAuthState(
  db: Db,
  keyring: Keyring | undefined,
  pluginId: string,
  stateHash: string,
  browserHash: string,
): Promise<ConsumedOAuthState> {
  const row = await db
    .updateTable("oauth_states")
    .set({ used_at: sql<Date>`now()` })
    .where("state_hash", "=", stateHash)
    .where("browser_hash", "=", browserHash)
    .where("used_at", "is", null)
    .returning(["tenant_id", "api_key_id", "plugin_id", "browser_hash", "verifier_ciphertext", "connection_name", "expires_at"])
    .executeTakeFirst();
  if (!row) {
    const seen = await db
      .selectFrom("oauth_states")
      .select(["used_at", "browser_hash"])
      .where("state_hash", "=", stateHash)
      .executeTakeFirst();
    throw new RelanceError(
      "forbidden",
      !seen
        ? "unknown authorisation state"
        : seen.used_at !== null
          ? "this authorisation link was already used"
          : "this authorisation was started from another browser session",
    );
  }
  if (row.expires_at.getTime() < Date.now()) throw new RelanceError("forbidden", "this authorisation link has expired");
  if (row.plugin_id !== pluginId) throw new RelanceError("forbidden", "this authorisation state belongs to another ledger");
  return {
    tenantId: row.tenant_id,
    apiKeyId: row.api_key_id,
    pluginId: row.plugin_id,
    browserHash: row.browser_hash,
    codeVerifier:
      row.verifier_ciphertext === null
        ? undefined
        : decryptSecret(requireKeyring(keyring), row.verifier_ciphertext, stateContext(stateHash)),
    connectionName: row.connection_name,
  };
}

export interface Grant {
  readonly id: string;
  readonly tenantId: string;
  readonly pluginId: string;
  readonly status: GrantStatus;
  readonly statusReason: string | null;
  readonly accounts: readonly OAuthAccount[];
  readonly connectionName: string;
  readonly refreshedAt: Date | null;
  tokens(): OAuthTokens;
}

const grantContext = (tenantId: string, pluginId: string, grantId: string) => `grant:${tenantId}:${pluginId}:${grantId}`;

function seal(keyring: Keyring | undefined, tenantId: string, pluginId: string, grantId: string, tokens: OAuthTokens) {
  const ring = requireKeyring(keyring);
  return {
    tokens_ciphertext: encryptSecret(ring, JSON.stringify(tokens), grantContext(tenantId, pluginId, grantId)),
    tokens_key_id: ring.primaryKeyId,
  };
}

export async function createGrant(
  db: Db,
  keyring: Keyring | undefined,
  tenantId: string,
  input: { pluginId: string; tokens: OAuthTokens; accounts: readonly OAuthAccount[]; connectionName: string },
): Promise<string> {
  const id = randomUUID();
  await db
    .insertInto("oauth_grants")
    .values({
      id,
      tenant_id: tenantId,
      plugin_id: input.pluginId,
      ...seal(keyring, tenantId, input.pluginId, id, input.tokens),
      accounts: JSON.stringify(input.accounts),
      connection_name: input.connectionName,
      refreshed_at: new Date(),
    })
    .execute();
  return id;
}

/** A grant; `forUpdate` (inside a transaction) holds its row lock until commit — the refresh lock. */
export async function getGrant(
  db: Db,
  keyring: Keyring | undefined,
  tenantId: string,
  grantId: string,
  options: { forUpdate?: boolean } = {},
): Promise<Grant | undefined> {
  if (!isUuid(tenantId) || !isUuid(grantId)) return undefined;
  let query = db.selectFrom("oauth_grants").selectAll().where("tenant_id", "=", tenantId).where("id", "=", grantId);
  if (options.forUpdate) query = query.forUpdate();
  const row = await query.executeTakeFirst();
  if (!row) return undefined;
  const context = grantContext(row.tenant_id, row.plugin_id, row.id);
  return {
    id: row.id,
    tenantId: row.tenant_id,
    pluginId: row.plugin_id,
    status: row.status,
    statusReason: row.status_reason,
    accounts: row.accounts,
    connectionName: row.connection_name,
    refreshedAt: row.refreshed_at,
    tokens: () => JSON.parse(decryptSecret(requireKeyring(keyring), row.tokens_ciphertext, context)) as OAuthTokens,
  };
}

/** Stores rotated tokens (and brings a grant flagged for re-authorisation back when given new ones). */
export async function saveGrantTokens(
  db: Db,
  keyring: Keyring | undefined,
  tenantId: string,
  grantId: string,
  tokens: OAuthTokens,
): Promise<void> {
  const row = await db
    .selectFrom("oauth_grants")
    .select(["plugin_id"])
    .where("tenant_id", "=", tenantId)
    .where("id", "=", grantId)
    .executeTakeFirst();
  if (!row) throw new RelanceError("not_found", `grant ${grantId} not found`);
  await db
    .updateTable("oauth_grants")
    .set({
      ...seal(keyring, tenantId, row.plugin_id, grantId, tokens),
      refreshed_at: sql<Date>`now()`,
      updated_at: sql<Date>`now()`,
    })
    .where("tenant_id", "=", tenantId)
    .where("id", "=", grantId)
    .execute();
}

/**
 * Sets a grant's status and carries it to its connections: "needs_reauth" flags them (their syncs
 * pause), "active" brings flagged ones back, "revoked" disables them.
 */
export async function setGrantStatus(
  db: Db,
  tenantId: string,
  grantId: string,
  status: GrantStatus,
  reason: string | null,
): Promise<void> {
  await db
    .updateTable("oauth_grants")
    .set({ status, status_reason: reason, updated_at: sql<Date>`now()` })
    .where("tenant_id", "=", tenantId)
    .where("id", "=", grantId)
    .execute();
  const connectionStatus = status === "active" ? "active" : status === "revoked" ? "disabled" : "needs_reauth";
  let update = db
    .updateTable("connections")
    .set({ status: connectionStatus, status_reason: reason, updated_at: sql<Date>`now()` })
    .where("tenant_id", "=", tenantId)
    .where("grant_id", "=", grantId);
  if (status === "active") update = update.where("status", "=", "needs_reauth");
  await update.execute();
}

export interface AccountConnectionInput {
  readonly pluginId: string;
  readonly grantId: string;
  readonly account: OAuthAccount;
  readonly name: string;
  readonly config: Record<string, unknown>;
}

/**
 * The connection reading one ledger account. Connecting the same account again (a re-authorisation)
 * moves the existing connection to the new grant and reactivates it, keeping its settings and data.
 */
export async function connectAccount(
  db: Db,
  tenantId: string,
  input: AccountConnectionInput,
): Promise<{ id: string; created: boolean }> {
  const existing = await db
    .selectFrom("connections")
    .select(["id", "config"])
    .where("tenant_id", "=", tenantId)
    .where("plugin_id", "=", input.pluginId)
    .where("account_id", "=", input.account.id)
    .executeTakeFirst();
  if (existing) {
    await db
      .updateTable("connections")
      .set({
        grant_id: input.grantId,
        status: "active",
        status_reason: null,
        config: JSON.stringify({ ...input.config, ...existing.config }),
        updated_at: sql<Date>`now()`,
      })
      .where("id", "=", existing.id)
      .execute();
    return { id: existing.id, created: false };
  }
  const taken = await db
    .selectFrom("connections")
    .select("id")
    .where("tenant_id", "=", tenantId)
    .where("plugin_id", "=", input.pluginId)
    .where("name", "=", input.name)
    .executeTakeFirst();
  const name = taken ? `${input.name} (${input.account.name})`.slice(0, 200) : input.name;
  const row = await db
    .insertInto("connections")
    .values({
      tenant_id: tenantId,
      plugin_id: input.pluginId,
      kind: "connector",
      name,
      config: JSON.stringify(input.config),
      grant_id: input.grantId,
      account_id: input.account.id,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  return { id: row.id, created: true };
}

/** Every connection reading this ledger account, across tenants: where a provider webhook is routed. */
export async function findConnectionsByAccount(
  db: Db,
  pluginId: string,
  accountId: string,
): Promise<{ tenantId: string; connectionId: string; status: string }[]> {
  const rows = await db
    .selectFrom("connections")
    .select(["tenant_id", "id", "status"])
    .where("plugin_id", "=", pluginId)
    .where("account_id", "=", accountId)
    .execute();
  return rows.map((row) => ({ tenantId: row.tenant_id, connectionId: row.id, status: row.status }));
}

/** Connections still using a grant (it is revoked only when the last one is disconnected). */
export async function countGrantConnections(db: Db, tenantId: string, grantId: string): Promise<number> {
  const row = await db
    .selectFrom("connections")
    .select((eb) => eb.fn.countAll<number>().as("count"))
    .where("tenant_id", "=", tenantId)
    .where("grant_id", "=", grantId)
    .where("status", "!=", "disabled")
    .executeTakeFirstOrThrow();
  return Number(row.count);
}
