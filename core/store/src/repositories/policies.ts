/**
 * Versioned policies. Saving a definition creates a new version only when it differs from the latest
 * one; a running case keeps the version it started with.
 */
import {
  type CollectionPolicy,
  type CollectionPolicyInput,
  collectionPolicySchema,
  formatIssuePath,
  validationError,
} from "@relance/core";
import { type Selectable, sql } from "kysely";
import type { Db, PoliciesTable } from "../schema";
import { inTransaction, isUuid } from "../support";

/** A policy as written by people: the version is assigned by the store, whatever the input says. */
export type PolicyDefinition = (Omit<CollectionPolicyInput, "version"> | Omit<CollectionPolicy, "version">) & {
  readonly version?: number;
};

export interface StoredPolicy {
  readonly id: string;
  readonly key: string;
  readonly version: number;
  readonly name: string;
  readonly policy: CollectionPolicy;
  readonly createdAt: Date;
}

export interface SavedPolicy extends StoredPolicy {
  /** False when the definition equals the latest version, which is returned unchanged. */
  readonly created: boolean;
}

function toStored(row: Selectable<PoliciesTable>): StoredPolicy {
  const policy = {
    ...(row.definition as Omit<CollectionPolicy, "version">),
    key: row.key,
    version: row.version,
  } as CollectionPolicy;
  return { id: row.id, key: row.key, version: row.version, name: row.name, policy, createdAt: row.created_at };
}

export async function savePolicy(db: Db, tenantId: string, input: PolicyDefinition): Promise<SavedPolicy> {
  const parsed = collectionPolicySchema.safeParse(input);
  if (!parsed.success) {
    throw validationError(
      "invalid policy",
      parsed.error.issues.map((issue) => ({ path: formatIssuePath(issue.path), message: issue.message })),
    );
  }
  const { version: _ignored, ...definition } = parsed.data;
  const json = JSON.stringify(definition);
  return inTransaction(db, async (trx) => {
    // Serialises concurrent saves of the same policy, which would otherwise pick the same version.
    await sql`SELECT pg_advisory_xact_lock(hashtext(${tenantId}), hashtext(${definition.key}))`.execute(trx);
    const latest = await trx
      .selectFrom("policies")
      .selectAll()
      // jsonb equality ignores key order and formatting.
      .select(sql<boolean>`definition = ${json}::jsonb`.as("same"))
      .where("tenant_id", "=", tenantId)
      .where("key", "=", definition.key)
      .orderBy("version", "desc")
      .limit(1)
      .executeTakeFirst();
    if (latest?.same) return { ...toStored(latest), created: false };
    const row = await trx
      .insertInto("policies")
      .values({
        tenant_id: tenantId,
        key: definition.key,
        version: (latest?.version ?? 0) + 1,
        name: definition.name,
        definition: json,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return { ...toStored(row), created: true };
  });
}

/** A given version, or the latest one when `version` is left out. */
export async function getPolicy(db: Db, tenantId: string, key: string, version?: number): Promise<StoredPolicy | undefined> {
  if (!isUuid(tenantId)) return undefined;
  let query = db.selectFrom("policies").selectAll().where("tenant_id", "=", tenantId).where("key", "=", key);
  query = version === undefined ? query.orderBy("version", "desc").limit(1) : query.where("version", "=", version);
  const row = await query.executeTakeFirst();
  return row && toStored(row);
}

/** Every version of a policy, oldest first. */
export async function listPolicyVersions(db: Db, tenantId: string, key: string): Promise<StoredPolicy[]> {
  if (!isUuid(tenantId)) return [];
  const rows = await db
    .selectFrom("policies")
    .selectAll()
    .where("tenant_id", "=", tenantId)
    .where("key", "=", key)
    .orderBy("version")
    .execute();
  return rows.map(toStored);
}

/** The latest version of each of the tenant's policies, by key. */
export async function listPolicies(db: Db, tenantId: string): Promise<StoredPolicy[]> {
  if (!isUuid(tenantId)) return [];
  const rows = await db
    .selectFrom("policies")
    .selectAll()
    .distinctOn("key")
    .where("tenant_id", "=", tenantId)
    .orderBy("key")
    .orderBy("version", "desc")
    .execute();
  return rows.map(toStored);
}
