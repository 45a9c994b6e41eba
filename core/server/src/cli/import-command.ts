import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { basename } from "node:path";
import { loadEnv } from "@relance/config";
import type { Preset } from "@relance/connector-csv";
import { notFound } from "@relance/core";
import { createLogger } from "../logger";
import { withRuntime } from "./with-runtime";

export async function importFile(
  file: string,
  options: {
    tenant: string;
    connection: string;
    preset?: Preset;
    encoding?: "auto" | "utf-8" | "windows-1252" | "iso-8859-15";
    delimiter?: string;
    currency?: string;
    paymentTermDays?: string;
    dateFormat?: "dmy" | "mdy" | "iso";
    mapping?: string;
  },
): Promise<void> {
  const env = loadEnv();
  const logger = createLogger({ level: "warn", format: env.RELANCE_LOG_FORMAT });
  const size = (await stat(file)).size;
  await withRuntime(env, logger, async (runtime) => {
    const tenant = await runtime.store.findTenantBySlug(options.tenant);
    if (!tenant) throw notFound(`tenant "${options.tenant}"`);
    const started = Date.now();
    let last = 0;
    let progressShown = false;
    const result = await runtime.importer
      .importLedgerFile(
        {
          tenantId: tenant.id,
          connectionName: options.connection,
          fileName: basename(file),
          body: createReadStream(file, { highWaterMark: 1 << 20 }),
          options: {
            ...(options.preset ? { preset: options.preset } : {}),
            ...(options.currency ? { currency: options.currency } : {}),
            ...(options.paymentTermDays ? { defaultPaymentTermDays: Number(options.paymentTermDays) } : {}),
            ...(options.encoding ? { encoding: options.encoding } : {}),
            ...(options.delimiter
              ? { delimiter: options.delimiter === "tab" ? "\t" : (options.delimiter as "," | ";" | "|") }
              : {}),
            ...(options.dateFormat ? { dateFormat: options.dateFormat } : {}),
            ...(options.mapping ? { mapping: JSON.parse(options.mapping) as Record<string, never> } : {}),
          },
        },
        (rows) => {
          if (Date.now() - last > 500) {
            last = Date.now();
            progressShown = true;
            process.stderr.write(
              `\r  ${rows.toLocaleString("en")} rows read (${Math.round((Date.now() - started) / 100) / 10} s, file ${(size / 1e6).toFixed(1)} MB)`,
            );
          }
        },
      )
      .finally(() => {
        if (progressShown) process.stderr.write("\n");
      });
    const counts = (c: { created: number; updated: number; unchanged: number }) =>
      `${c.created} new, ${c.updated} updated, ${c.unchanged} unchanged`;
    console.log(`Imported ${result.fileName}: ${result.rows} rows in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    console.log(`  debtors:  ${counts(result.debtors)}`);
    console.log(`  invoices: ${counts(result.invoices)}`);
    console.log(
      `  ${result.changedDebtors} debtor case(s) to update${result.workflowId ? ` (workflow ${result.workflowId})` : ""}`,
    );
  });
}
