/**
 * API keys: `rk_<prefix>_<secret>`. The prefix (unique, stored in clear) finds the row; only the SHA-256
 * of the whole key is stored, and compared in constant time. A key is shown once, at creation.
 */
import { createHash, randomInt, timingSafeEqual } from "node:crypto";
import type { Selectable } from "kysely";
import { sql } from "kysely";
import type { ApiKeysTable, Db } from "../schema";
import { isUniqueViolation, isUuid } from "../support";

const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const PREFIX_LENGTH = 8;
const SECRET_LENGTH = 32;
const KEY_FORMAT = new RegExp(`^rk_([0-9A-Za-z]{${PREFIX_LENGTH}})_([0-9A-Za-z]{${SECRET_LENGTH}})$`);
/** Writing last_used_at on every request would turn each read into a write; once a minute is enough. */
const LAST_USED_RESOLUTION = "60 seconds";

export interface ApiKeyInfo {
  readonly id: string;
  readonly tenantId: string;
  readonly label: string;
  /** The public part of the key, to tell keys apart in a list. */
  readonly prefix: string;
  readonly createdAt: Date;
  readonly lastUsedAt: Date | null;
  readonly revokedAt: Date | null;
}

export interface CreatedApiKey {
  readonly id: string;
  readonly prefix: string;
  /** The full key: shown once, never stored. */
  readonly key: string;
}

export interface ApiKeyIdentity {
  readonly tenantId: string;
  readonly keyId: string;
}

function randomBase62(length: number): string {
  let text = "";
  for (let index = 0; index < length; index += 1) text += ALPHABET[randomInt(ALPHABET.length)];
  return text;
}

function sha256Hex(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

function toInfo(row: Omit<Selectable<ApiKeysTable>, "hash">): ApiKeyInfo {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    label: row.label,
    prefix: row.prefix,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
  };
}

export async function createApiKey(db: Db, tenantId: string, label: string): Promise<CreatedApiKey> {
  // A prefix collision (62^8 values) is astronomically rare, but it is a unique column: retry.
  for (let attempt = 0; ; attempt += 1) {
    const prefix = randomBase62(PREFIX_LENGTH);
    const key = `rk_${prefix}_${randomBase62(SECRET_LENGTH)}`;
    try {
      const row = await db
        .insertInto("api_keys")
        .values({ tenant_id: tenantId, label, prefix, hash: sha256Hex(key) })
        .returning("id")
        .executeTakeFirstOrThrow();
      return { id: row.id, prefix, key };
    } catch (error) {
      if (attempt < 3 && isUniqueViolation(error, "api_keys_prefix_key") && !db.isTransaction) continue;
      throw error;
    }
  }
}

/** The tenant a key belongs to, or undefined when it is unknown, malformed, wrong or revoked. */
export async function authenticateApiKey(db: Db, key: string): Promise<ApiKeyIdentity | undefined> {
  const match = KEY_FORMAT.exec(key);
  if (!match) return undefined;
  const row = await db
    .selectFrom("api_keys")
    .select(["id", "tenant_id", "hash", "revoked_at"])
    .where("prefix", "=", match[1] as string)
    .executeTakeFirst();
  if (!row || row.revoked_at !== null) return undefined;
  const expected = Buffer.from(row.hash, "hex");
  const actual = createHash("sha256").update(key, "utf8").digest();
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) return undefined;
  await db
    .updateTable("api_keys")
    .set({ last_used_at: sql<Date>`now()` })
    .where("id", "=", row.id)
    .where((eb) =>
      eb.or([eb("last_used_at", "is", null), eb("last_used_at", "<", sql<Date>`now() - ${LAST_USED_RESOLUTION}::interval`)]),
    )
    .execute();
  return { tenantId: row.tenant_id, keyId: row.id };
}

/** Revokes a key of this tenant; false when there is no such key (or it belongs to another tenant). */
export async function revokeApiKey(db: Db, tenantId: string, keyId: string): Promise<boolean> {
  if (!isUuid(keyId) || !isUuid(tenantId)) return false;
  const result = await db
    .updateTable("api_keys")
    .set({ revoked_at: sql<Date>`coalesce(revoked_at, now())` })
    .where("tenant_id", "=", tenantId)
    .where("id", "=", keyId)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export async function listApiKeys(db: Db, tenantId: string): Promise<ApiKeyInfo[]> {
  if (!isUuid(tenantId)) return [];
  const rows = await db
    .selectFrom("api_keys")
    .select(["id", "tenant_id", "label", "prefix", "created_at", "last_used_at", "revoked_at"])
    .where("tenant_id", "=", tenantId)
    .orderBy("created_at")
    .orderBy("id")
    .execute();
  return rows.map(toInfo);
}
