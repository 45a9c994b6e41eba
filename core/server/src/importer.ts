/**
 * Ledger file import: parse and validate while streaming, write each batch inside ONE transaction (a bad
 * row anywhere rolls everything back), record the import, then start the sync workflow that updates the
 * case of every debtor whose balance changed.
 */
import { createHash } from "node:crypto";
import { type ParseLedgerCsvOptions, type Preset, parseLedgerCsv } from "@relance/connector-csv";
import { isRelanceError, type Logger, RelanceError } from "@relance/core";
import type { Store } from "@relance/store";
import { importWorkflowId, type LedgerSyncInput } from "@relance/workflows";
import type { Client } from "@temporalio/client";

export interface ImportRequest {
  readonly tenantId: string;
  readonly connectionName: string;
  readonly fileName: string;
  readonly body: AsyncIterable<Uint8Array>;
  readonly options?: Omit<ParseLedgerCsvOptions, "maxBytes" | "fileName">;
}

interface Counts {
  created: number;
  updated: number;
  unchanged: number;
}

export interface ImportResult {
  readonly importId: string;
  readonly fileName: string;
  /** The layout the file was read as (the generic ledger CSV, a FEC, a Xero or QuickBooks export). */
  readonly preset: Preset;
  readonly rows: number;
  /** Rows that are not invoices to collect (credit notes, payments, other accounts of a FEC…). */
  readonly skippedRows: number;
  readonly debtors: Counts;
  readonly invoices: Counts;
  readonly changedDebtors: number;
  readonly workflowId: string | null;
}

export interface Importer {
  importLedgerFile(request: ImportRequest, onProgress?: (rows: number) => void): Promise<ImportResult>;
}

export interface ImporterOptions {
  readonly store: Store;
  readonly temporal: { readonly client: Client; readonly taskQueue: string } | undefined;
  readonly maxImportBytes: number;
  readonly logger: Logger;
}

async function* hashing(body: AsyncIterable<Uint8Array>, hash: ReturnType<typeof createHash>): AsyncIterable<Uint8Array> {
  for await (const chunk of body) {
    hash.update(chunk);
    yield chunk;
  }
}

const add = (total: Counts, counts: Counts): Counts => ({
  created: total.created + counts.created,
  updated: total.updated + counts.updated,
  unchanged: total.unchanged + counts.unchanged,
});

export function createImporter(options: ImporterOptions): Importer {
  const { store, logger } = options;
  return {
    async importLedgerFile(request, onProgress) {
      const { tenantId, fileName } = request;
      const connection = await store.ensureConnection(tenantId, {
        pluginId: "csv",
        kind: "connector",
        name: request.connectionName,
        config: {},
        secrets: {},
      });
      const hash = createHash("sha256");
      const zero = { created: 0, updated: 0, unchanged: 0 };
      let result: ImportResult;
      try {
        result = await store.transaction(async (tx) => {
          let debtors = zero;
          let invoices = zero;
          let rows = 0;
          const changed = new Set<string>();
          const batches = parseLedgerCsv(hashing(request.body, hash), {
            ...request.options,
            maxBytes: options.maxImportBytes,
            fileName,
          });
          let next = await batches.next();
          while (!next.done) {
            const batch = next.value;
            const applied = await tx.applyLedgerChanges(tenantId, connection.id, batch);
            debtors = add(debtors, applied.debtors);
            invoices = add(invoices, applied.invoices);
            for (const id of applied.changedDebtorIds) changed.add(id);
            rows += batch.invoices.length;
            onProgress?.(rows);
            next = await batches.next();
          }
          const { preset, skippedRows } = next.value;
          const changedDebtorIds = [...changed].sort();
          const { id: importId } = await tx.recordImport(tenantId, {
            connectionId: connection.id,
            fileName,
            sha256: hash.digest("hex"),
            status: "applied",
            rowCount: rows,
            summary: { debtors, invoices, changedDebtorIds, preset, skippedRows },
          });
          // Started before the commit: if Temporal is unreachable nothing is stored, so no change ever
          // lands without its cases being told. The sync's activity retries until the commit is visible.
          const workflowId = changedDebtorIds.length > 0 ? await startSync(tenantId, importId) : null;
          return {
            importId,
            fileName,
            preset,
            rows,
            skippedRows,
            debtors,
            invoices,
            changedDebtors: changedDebtorIds.length,
            workflowId,
          };
        });
      } catch (error) {
        if (isRelanceError(error)) {
          logger.info({ tenantId, fileName, code: error.code, problems: error.issues.length }, "import rejected");
          throw error;
        }
        throw new RelanceError("internal", `import of ${fileName} failed`, { cause: error });
      }
      logger.info(
        { tenantId, fileName, importId: result.importId, rows: result.rows, changedDebtors: result.changedDebtors },
        "import applied",
      );
      return result;
    },
  };

  async function startSync(tenantId: string, importId: string): Promise<string | null> {
    if (!options.temporal) return null;
    const workflowId = importWorkflowId(tenantId, importId);
    const input: LedgerSyncInput = { tenantId, importId };
    try {
      await options.temporal.client.workflow.start("ledgerSync", {
        workflowId,
        taskQueue: options.temporal.taskQueue,
        args: [input],
      });
    } catch (error) {
      throw new RelanceError("provider_unavailable", "Temporal is unreachable: nothing was imported, try again", {
        retryable: true,
        cause: error,
      });
    }
    return workflowId;
  }
}
