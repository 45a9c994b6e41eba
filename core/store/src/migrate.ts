import { RelanceError } from "@relance/core";
import { Migrator, sql } from "kysely";
import { migrations } from "./migrations/index";
import type { Db } from "./schema";

/**
 * Brings the schema to the latest migration and returns the names applied (empty when up to date).
 *
 * Everything, including the creation of Kysely's bookkeeping tables, runs in one transaction that
 * first takes a transaction-level advisory lock: two processes starting together against the same
 * PostgreSQL database queue up instead of racing, and a failed migration leaves nothing behind.
 */
export async function migrateToLatest(db: Db): Promise<string[]> {
  return db.connection().execute(async (connection) => {
    await sql`BEGIN`.execute(connection);
    try {
      await sql`SELECT pg_advisory_xact_lock(hashtext('relance:migrations'))`.execute(connection);
      const migrator = new Migrator({
        db: connection,
        provider: { getMigrations: async () => ({ ...migrations }) },
        disableTransactions: true,
      });
      const { error, results = [] } = await migrator.migrateToLatest();
      if (error) {
        const failed = results.find((result) => result.status === "Error")?.migrationName;
        throw new RelanceError(
          "internal",
          `database migration ${failed ? `"${failed}" ` : ""}failed: ${error instanceof Error ? error.message : String(error)}`,
          { cause: error },
        );
      }
      await sql`COMMIT`.execute(connection);
      return results.filter((result) => result.status === "Success").map((result) => result.migrationName);
    } catch (error) {
      await sql`ROLLBACK`.execute(connection).catch(() => undefined);
      throw error;
    }
  });
}
