import { randomUUID } from "node:crypto";
import type { Debtor, Invoice } from "@relance/core";
import type { Repositories, Tenant } from "@relance/store";

export async function makeTenant(store: Repositories, name = "Acme"): Promise<Tenant> {
  const slug = `${name.toLowerCase().replace(/[^a-z0-9]+/g, "-")}-${randomUUID().slice(0, 8)}`;
  return store.createTenant({ name, slug, defaultLanguage: "fr", senderName: `${name} AR`, senderEmail: "ar@example.test" });
}

export async function makeLedgerConnection(store: Repositories, tenantId: string, name = "main"): Promise<string> {
  const connection = await store.ensureConnection(tenantId, { pluginId: "csv", kind: "connector", name, config: {} });
  return connection.id;
}

export function debtor(externalId: string, overrides: Partial<Debtor> = {}): Debtor {
  return {
    externalId,
    name: `Debtor ${externalId}`,
    emails: [`${externalId.toLowerCase()}@example.test`],
    tags: [],
    ...overrides,
  };
}

export function invoice(externalId: string, debtorExternalId: string, overrides: Partial<Invoice> = {}): Invoice {
  return {
    externalId,
    number: `INV-${externalId}`,
    debtorExternalId,
    currency: "EUR",
    totalMinor: 10_000,
    balanceMinor: 10_000,
    issueDate: "2024-01-01",
    dueDate: "2024-01-31",
    status: "open",
    ...overrides,
  };
}
