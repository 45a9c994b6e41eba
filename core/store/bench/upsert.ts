/**
 * Times applyLedgerChanges on the embedded engine: 10,000 debtors and 100,000 invoices, first as a
 * fresh import, then the same data again (nothing changes), then with 10% of the invoices paid.
 *
 *   node --import tsx core/store/bench/upsert.ts [invoices] [debtors]
 *
 * With DATABASE_URL set (postgres://…, an empty scratch database) it measures that server instead.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Debtor, Invoice } from "@relance/core";
import { openStore } from "../src/index";

const invoiceCount = Number(process.argv[2] ?? 100_000);
const debtorCount = Number(process.argv[3] ?? 10_000);

const debtors: Debtor[] = Array.from({ length: debtorCount }, (_, index) => ({
  externalId: `C${index}`,
  name: `Customer ${index}`,
  emails: [`billing${index}@example.test`],
  tags: index % 10 === 0 ? ["vip"] : [],
  address: { lines: [`${index} rue de la Paix`], postalCode: "75002", city: "Paris", country: "FR" },
}));
const invoices: Invoice[] = Array.from({ length: invoiceCount }, (_, index) => ({
  externalId: `I${index}`,
  number: `F-${String(index).padStart(7, "0")}`,
  debtorExternalId: `C${index % debtorCount}`,
  currency: index % 7 === 0 ? "GBP" : "EUR",
  totalMinor: 10_000 + (index % 5_000),
  balanceMinor: 10_000 + (index % 5_000),
  issueDate: "2024-01-15",
  dueDate: `2024-${String((index % 12) + 1).padStart(2, "0")}-15`,
  status: "open",
}));

const dataDir = await mkdtemp(join(tmpdir(), "relance-bench-"));
const databaseUrl = process.env.DATABASE_URL;
const store = await openStore({ dataDir, ...(databaseUrl ? { databaseUrl } : {}) });
try {
  const tenant = await store.createTenant({
    name: "Bench",
    slug: `bench-${Date.now()}`,
    defaultLanguage: "en",
    senderName: "Bench",
    senderEmail: "bench@example.test",
  });
  const connection = await store.ensureConnection(tenant.id, { pluginId: "csv", kind: "connector", name: "bench", config: {} });
  const rows = debtors.length + invoices.length;
  const run = async (label: string, batch: { debtors: Debtor[]; invoices: Invoice[] }) => {
    const started = performance.now();
    const result = await store.applyLedgerChanges(tenant.id, connection.id, batch);
    const seconds = (performance.now() - started) / 1000;
    const batchRows = batch.debtors.length + batch.invoices.length;
    console.log(
      `${label}: ${batchRows.toLocaleString("en")} rows in ${seconds.toFixed(2)} s = ${Math.round(batchRows / seconds).toLocaleString("en")} rows/s`,
      JSON.stringify({ debtors: result.debtors, invoices: result.invoices, changedDebtors: result.changedDebtorIds.length }),
    );
  };
  console.log(
    `${store.engine}: ${debtors.length.toLocaleString("en")} debtors + ${invoices.length.toLocaleString("en")} invoices = ${rows.toLocaleString("en")} rows`,
  );
  await run("first import ", { debtors, invoices });
  await run("same again   ", { debtors, invoices });
  const paid = invoices.map((invoice, index) =>
    index % 10 === 0 ? { ...invoice, balanceMinor: 0, status: "paid" as const } : invoice,
  );
  await run("10% paid     ", { debtors, invoices: paid });
} finally {
  await store.close();
  await rm(dataDir, { recursive: true, force: true });
}
