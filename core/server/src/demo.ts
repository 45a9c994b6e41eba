/** The demo tenant and ledger of `relance start --demo`. */
import { chmod, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { demoLedgerPath } from "@relance/config";
import { addDays, calendarDateOf, daysBetween } from "@relance/core";
import type { Runtime } from "./runtime";

/** The day the demo ledger's dates were written for; they are shifted so that it is today. */
const DEMO_LEDGER_DAY = "2026-01-15";

export function shiftLedgerDates(csv: string, today: string): string {
  const shift = daysBetween(DEMO_LEDGER_DAY, today);
  return csv.replace(/\b(\d{4}-\d{2}-\d{2})\b/g, (date) => addDays(date, shift));
}

export interface DemoTenant {
  readonly tenantId: string;
  readonly apiKey: string;
  readonly imported: boolean;
}

export async function ensureDemo(runtime: Runtime): Promise<DemoTenant> {
  const { store, dataDir } = runtime;
  const keyFile = join(dataDir, "demo-api-key");
  let tenant = await store.findTenantBySlug("demo");
  let apiKey: string;
  if (!tenant) {
    tenant = await store.createTenant({
      name: "Acme Supplies",
      slug: "demo",
      defaultLanguage: "en",
      senderName: "Acme Supplies, accounts receivable",
      senderEmail: "ar@acme-supplies.example",
    });
    apiKey = (await store.createApiKey(tenant.id, "demo")).key;
    // Dev-only convenience so the demo key can be shown again; real keys are never written anywhere.
    await writeFile(keyFile, `${apiKey}\n`, { mode: 0o600 });
    await chmod(keyFile, 0o600);
  } else {
    apiKey = (await readFile(keyFile, "utf8")).trim();
  }
  await runtime.syncPolicies(tenant.id);
  const existing = await store.listDebtors(tenant.id, { limit: 1 });
  if (existing.items.length > 0) return { tenantId: tenant.id, apiKey, imported: false };
  const csv = shiftLedgerDates(await readFile(demoLedgerPath, "utf8"), calendarDateOf(Date.now()));
  await runtime.importer.importLedgerFile({
    tenantId: tenant.id,
    connectionName: "demo",
    fileName: "demo-ledger.csv",
    body: (async function* () {
      yield new TextEncoder().encode(csv);
    })(),
  });
  return { tenantId: tenant.id, apiKey, imported: true };
}
