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

/**
 * A fresh tenant with one ledger connection, debtors D1 and D2, and invoices:
 * I1 (D1, EUR 100.00 open), I2 (D1, EUR 40.00 left of 100.00), I3 (D1, USD 100.00 open),
 * I4 (D1, EUR paid), I5 (D2, EUR 100.00 open), I6 (D1, EUR 100.00 open).
 */
export interface CaseWorld {
  readonly tenantId: string;
  readonly connectionId: string;
  readonly debtors: Readonly<Record<"D1" | "D2", string>>;
  readonly invoices: Readonly<Record<"I1" | "I2" | "I3" | "I4" | "I5" | "I6", string>>;
}

export async function makeCaseWorld(store: Repositories, name = "Acme"): Promise<CaseWorld> {
  const tenant = await makeTenant(store, name);
  const connectionId = await makeLedgerConnection(store, tenant.id);
  await store.applyLedgerChanges(tenant.id, connectionId, {
    debtors: [debtor("D1"), debtor("D2")],
    invoices: [
      invoice("I1", "D1"),
      invoice("I2", "D1", { balanceMinor: 4_000 }),
      invoice("I3", "D1", { currency: "USD" }),
      invoice("I4", "D1", { status: "paid", balanceMinor: 0 }),
      invoice("I5", "D2"),
      invoice("I6", "D1"),
    ],
  });
  const debtorId = async (externalId: string): Promise<string> => {
    const found = await store.findDebtorByExternalId(tenant.id, connectionId, externalId);
    if (!found) throw new Error(`debtor ${externalId} missing`);
    return found.id;
  };
  const page = await store.listInvoices(tenant.id, { limit: 100 });
  const invoiceId = (externalId: string): string => {
    const found = page.items.find((item) => item.externalId === externalId);
    if (!found) throw new Error(`invoice ${externalId} missing`);
    return found.id;
  };
  return {
    tenantId: tenant.id,
    connectionId,
    debtors: { D1: await debtorId("D1"), D2: await debtorId("D2") },
    invoices: {
      I1: invoiceId("I1"),
      I2: invoiceId("I2"),
      I3: invoiceId("I3"),
      I4: invoiceId("I4"),
      I5: invoiceId("I5"),
      I6: invoiceId("I6"),
    },
  };
}

/** What a rejected call's error looks like: its code and the paths of its issues, in order. */
export async function failure(promise: Promise<unknown>): Promise<{ code: string; paths: (string | undefined)[] }> {
  try {
    await promise;
  } catch (error) {
    const { code, issues = [] } = error as { code: string; issues?: { path?: string }[] };
    return { code, paths: issues.map((issue) => issue.path) };
  }
  throw new Error("expected the call to fail");
}

/** The PostgreSQL error code and constraint of a statement the database refuses. */
export async function refused(promise: Promise<unknown>): Promise<{ code: unknown; constraint: unknown }> {
  try {
    await promise;
  } catch (error) {
    const { code, constraint } = error as { code?: unknown; constraint?: unknown };
    return { code, constraint };
  }
  throw new Error("expected the database to refuse the statement");
}
