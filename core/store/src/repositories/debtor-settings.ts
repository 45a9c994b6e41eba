/**
 * What a credit controller sets on a debtor: overrides of the policy (preferred channel, opt-outs,
 * do-not-chase-before date…) and segment tags ("vip", "new", "repeat-late"), kept in `debtors.tags`.
 */
import { type DebtorOverrides, debtorOverridesSchema, formatIssuePath, validationError } from "@relance/core";
import { sql } from "kysely";
import { Issues } from "../checks";
import type { Db } from "../schema";
import { isUuid } from "../support";

/** The same form as the segment tags a policy's conditions name (segmentsAny, segmentsNone). */
const SEGMENT = /^[a-z0-9][a-z0-9_-]*$/;
const MAX_TAGS = 50;

/** The debtor's overrides ({} when none are set); undefined when there is no such debtor in the tenant. */
export async function getDebtorOverrides(db: Db, tenantId: string, debtorId: string): Promise<DebtorOverrides | undefined> {
  if (!isUuid(tenantId) || !isUuid(debtorId)) return undefined;
  const row = await db
    .selectFrom("debtors")
    .select("overrides")
    .where("tenant_id", "=", tenantId)
    .where("id", "=", debtorId)
    .executeTakeFirst();
  if (!row) return undefined;
  // Written only through setDebtorOverrides, which validated it; parsed again in case the schema moved on.
  const parsed = debtorOverridesSchema.safeParse(row.overrides);
  return parsed.success ? parsed.data : (row.overrides as DebtorOverrides);
}

/**
 * Replaces the debtor's overrides (validated: each problem names its path, e.g. "optOuts[0]"). False when
 * there is no such debtor in the tenant.
 */
export async function setDebtorOverrides(
  db: Db,
  tenantId: string,
  debtorId: string,
  overrides: DebtorOverrides,
): Promise<boolean> {
  const parsed = debtorOverridesSchema.safeParse(overrides);
  if (!parsed.success) {
    throw validationError(
      "invalid debtor overrides",
      parsed.error.issues.flatMap((issue) =>
        // An unknown field is reported at its own path, not at the object holding it.
        issue.code === "unrecognized_keys"
          ? issue.keys.map((key) => ({ path: formatIssuePath([...issue.path, key]), message: "unknown field" }))
          : [{ path: formatIssuePath(issue.path), message: issue.message }],
      ),
    );
  }
  if (!isUuid(tenantId) || !isUuid(debtorId)) return false;
  const result = await db
    .updateTable("debtors")
    .set({ overrides: JSON.stringify(parsed.data), updated_at: sql<Date>`now()` })
    .where("tenant_id", "=", tenantId)
    .where("id", "=", debtorId)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/**
 * Replaces the debtor's segment tags (lower-case letters, digits and dashes, as policy conditions name them;
 * duplicates dropped, order kept). False when there is no such debtor in the tenant.
 *
 * Note: a ledger sync that changes the debtor's contact rewrites `tags` with what the ledger says.
 */
export async function setDebtorTags(db: Db, tenantId: string, debtorId: string, tags: readonly string[]): Promise<boolean> {
  const issues = new Issues();
  if (!Array.isArray(tags)) issues.add("tags", "must be a list of segment tags");
  else {
    if (tags.length > MAX_TAGS) issues.add("tags", `at most ${MAX_TAGS} tags`);
    tags.forEach((tag: unknown, index) => {
      if (typeof tag !== "string" || tag.length > 64 || !SEGMENT.test(tag)) {
        issues.add(`tags[${index}]`, "a segment tag: lower-case letters, digits, dashes and underscores (at most 64)");
      }
    });
  }
  issues.throwIfAny("invalid debtor tags");
  if (!isUuid(tenantId) || !isUuid(debtorId)) return false;
  const result = await db
    .updateTable("debtors")
    .set({ tags: JSON.stringify([...new Set(tags)]), updated_at: sql<Date>`now()` })
    .where("tenant_id", "=", tenantId)
    .where("id", "=", debtorId)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}
