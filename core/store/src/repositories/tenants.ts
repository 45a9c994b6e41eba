import { RelanceError, validationError } from "@relance/core";
import type { Selectable } from "kysely";
import type { Db, TenantsTable } from "../schema";
import { isUniqueViolation, isUuid } from "../support";

export interface Tenant {
  readonly id: string;
  readonly name: string;
  readonly slug: string;
  readonly defaultLanguage: string;
  readonly senderName: string;
  readonly senderEmail: string;
  readonly createdAt: Date;
}

export interface NewTenant {
  readonly name: string;
  /** lower-case letters, digits and dashes; unique. */
  readonly slug: string;
  readonly defaultLanguage: string;
  readonly senderName: string;
  readonly senderEmail: string;
}

const SLUG = /^[a-z0-9][a-z0-9-]*$/;

function toTenant(row: Selectable<TenantsTable>): Tenant {
  return {
    id: row.id,
    name: row.name,
    slug: row.slug,
    defaultLanguage: row.default_language,
    senderName: row.sender_name,
    senderEmail: row.sender_email,
    createdAt: row.created_at,
  };
}

export async function createTenant(db: Db, input: NewTenant): Promise<Tenant> {
  if (!SLUG.test(input.slug)) {
    throw validationError("invalid tenant", [{ path: "slug", message: "lower-case letters, digits and dashes" }]);
  }
  if (input.name.trim() === "") throw validationError("invalid tenant", [{ path: "name", message: "required" }]);
  try {
    const row = await db
      .insertInto("tenants")
      .values({
        name: input.name,
        slug: input.slug,
        default_language: input.defaultLanguage,
        sender_name: input.senderName,
        sender_email: input.senderEmail,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toTenant(row);
  } catch (error) {
    if (isUniqueViolation(error)) {
      throw new RelanceError("conflict", `a tenant with slug "${input.slug}" already exists`, { cause: error });
    }
    throw error;
  }
}

export async function getTenant(db: Db, tenantId: string): Promise<Tenant | undefined> {
  if (!isUuid(tenantId)) return undefined;
  const row = await db.selectFrom("tenants").selectAll().where("id", "=", tenantId).executeTakeFirst();
  return row && toTenant(row);
}

export async function findTenantBySlug(db: Db, slug: string): Promise<Tenant | undefined> {
  const row = await db.selectFrom("tenants").selectAll().where("slug", "=", slug).executeTakeFirst();
  return row && toTenant(row);
}

export async function listTenants(db: Db): Promise<Tenant[]> {
  const rows = await db.selectFrom("tenants").selectAll().orderBy("slug").execute();
  return rows.map(toTenant);
}
