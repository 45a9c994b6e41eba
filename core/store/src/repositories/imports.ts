/** File imports: one row per upload, so the same file is applied once and every rejection is kept. */
import { RelanceError } from "@relance/core";
import type { Selectable } from "kysely";
import type { Db, ImportStatus, ImportsTable } from "../schema";
import { isUniqueViolation, isUuid } from "../support";

export interface ImportRecord {
  readonly id: string;
  readonly tenantId: string;
  readonly connectionId: string;
  readonly fileName: string;
  readonly sha256: string;
  readonly status: ImportStatus;
  readonly rowCount: number;
  readonly summary: Record<string, unknown>;
  readonly createdAt: Date;
}

export interface ImportInput {
  readonly connectionId: string;
  readonly fileName: string;
  /** Hex SHA-256 of the file's bytes. */
  readonly sha256: string;
  readonly status: ImportStatus;
  readonly rowCount: number;
  readonly summary: Record<string, unknown>;
}

function toImport(row: Selectable<ImportsTable>): ImportRecord {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    connectionId: row.connection_id,
    fileName: row.file_name,
    sha256: row.sha256,
    status: row.status,
    rowCount: row.row_count,
    summary: row.summary,
    createdAt: row.created_at,
  };
}

/**
 * Records an import; call it in the transaction that applies the rows, so both land or neither does.
 * Applying a file already applied to this connection is a conflict.
 */
export async function recordImport(db: Db, tenantId: string, input: ImportInput): Promise<ImportRecord> {
  try {
    const row = await db
      .insertInto("imports")
      .values({
        tenant_id: tenantId,
        connection_id: input.connectionId,
        file_name: input.fileName,
        sha256: input.sha256.toLowerCase(),
        status: input.status,
        row_count: input.rowCount,
        summary: JSON.stringify(input.summary),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toImport(row);
  } catch (error) {
    if (isUniqueViolation(error, "imports_applied_once")) {
      throw new RelanceError("conflict", `the file ${input.fileName} was already imported into this connection`, {
        cause: error,
      });
    }
    throw error;
  }
}

/** The import of this file into this connection: the applied one if any, else the latest attempt. */
export async function findImportBySha(
  db: Db,
  tenantId: string,
  connectionId: string,
  sha256: string,
): Promise<ImportRecord | undefined> {
  if (!isUuid(tenantId) || !isUuid(connectionId)) return undefined;
  const row = await db
    .selectFrom("imports")
    .selectAll()
    .where("tenant_id", "=", tenantId)
    .where("connection_id", "=", connectionId)
    .where("sha256", "=", sha256.toLowerCase())
    .orderBy((eb) => eb.case().when("status", "=", "applied").then(0).else(1).end())
    .orderBy("created_at", "desc")
    .limit(1)
    .executeTakeFirst();
  return row && toImport(row);
}

export async function listImports(db: Db, tenantId: string, connectionId?: string): Promise<ImportRecord[]> {
  if (!isUuid(tenantId) || (connectionId !== undefined && !isUuid(connectionId))) return [];
  let query = db.selectFrom("imports").selectAll().where("tenant_id", "=", tenantId);
  if (connectionId) query = query.where("connection_id", "=", connectionId);
  const rows = await query.orderBy("created_at", "desc").orderBy("id").execute();
  return rows.map(toImport);
}
