import type { Invoice } from "@relance/core";
import type { Store } from "@relance/store";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestStore, testEngines } from "../../../test/support/database";
import { debtor, invoice, makeLedgerConnection, makeTenant } from "./fixtures";

describe.each(testEngines())("ledger on %s", (engine) => {
  let store: Store;
  beforeAll(async () => {
    store = await openTestStore(engine);
  });
  afterAll(async () => {
    await store?.close();
  });

  async function setup() {
    const tenant = await makeTenant(store);
    const connectionId = await makeLedgerConnection(store, tenant.id);
    const idOf = async (externalId: string) => {
      const found = await store.findDebtorByExternalId(tenant.id, connectionId, externalId);
      if (!found) throw new Error(`no debtor ${externalId}`);
      return found.id;
    };
    return { tenantId: tenant.id, connectionId, idOf };
  }

  it("creates, updates and leaves unchanged, and reports whose open position changed", async () => {
    const { tenantId, connectionId, idOf } = await setup();
    const first = await store.applyLedgerChanges(tenantId, connectionId, {
      debtors: [debtor("A"), debtor("B"), debtor("C")],
      invoices: [
        invoice("1", "A"),
        invoice("2", "A", { dueDate: "2024-02-15" }),
        invoice("3", "B"),
        invoice("4", "C", { status: "paid", balanceMinor: 0 }),
      ],
    });
    const [a, b, c] = [await idOf("A"), await idOf("B"), await idOf("C")];
    expect(first.debtors).toEqual({ created: 3, updated: 0, unchanged: 0 });
    expect(first.invoices).toEqual({ created: 4, updated: 0, unchanged: 0 });
    // C only has a paid invoice: nothing is owed, so nothing to plan.
    expect(first.changedDebtorIds).toEqual([a, b].sort());

    // The same data again changes nothing.
    const again = await store.applyLedgerChanges(tenantId, connectionId, {
      debtors: [debtor("A"), debtor("B"), debtor("C")],
      invoices: [
        invoice("1", "A"),
        invoice("2", "A", { dueDate: "2024-02-15" }),
        invoice("3", "B"),
        invoice("4", "C", { status: "paid", balanceMinor: 0 }),
      ],
    });
    expect(again).toEqual({
      debtors: { created: 0, updated: 0, unchanged: 3 },
      invoices: { created: 0, updated: 0, unchanged: 4 },
      changedDebtorIds: [],
    });

    // Invoice 1 paid, a new invoice for C, a renamed B (not a change of position), a new reference on 3.
    const next = await store.applyLedgerChanges(tenantId, connectionId, {
      debtors: [debtor("B", { name: "B Renamed" })],
      invoices: [
        invoice("1", "A", { status: "paid", balanceMinor: 0 }),
        invoice("3", "B", { reference: "PO-7" }),
        invoice("5", "C", { currency: "GBP", totalMinor: 500, balanceMinor: 500 }),
      ],
    });
    expect(next.debtors).toEqual({ created: 0, updated: 1, unchanged: 0 });
    expect(next.invoices).toEqual({ created: 1, updated: 2, unchanged: 0 });
    expect(next.changedDebtorIds).toEqual([a, c].sort());
    expect((await store.getDebtor(tenantId, b))?.name).toBe("B Renamed");

    // A partial payment changes the balance; moving an invoice to another debtor changes both.
    const moved = await store.applyLedgerChanges(tenantId, connectionId, {
      debtors: [],
      invoices: [invoice("2", "A", { dueDate: "2024-02-15", balanceMinor: 4_000 }), invoice("3", "C", { reference: "PO-7" })],
    });
    expect(moved.invoices).toEqual({ created: 0, updated: 2, unchanged: 0 });
    expect(moved.changedDebtorIds).toEqual([a, b, c].sort());
  });

  it("computes the case snapshot and the open invoices from open invoices with a balance", async () => {
    const { tenantId, connectionId, idOf } = await setup();
    await store.applyLedgerChanges(tenantId, connectionId, {
      debtors: [debtor("A"), debtor("Z")],
      invoices: [
        invoice("1", "A", { dueDate: "2024-03-10", balanceMinor: 2_500 }),
        invoice("2", "A", { dueDate: "2024-02-01" }),
        invoice("3", "A", { currency: "GBP", dueDate: "2024-01-20", totalMinor: 700, balanceMinor: 700 }),
        invoice("4", "A", { dueDate: "2023-12-01", status: "paid", balanceMinor: 0 }),
        invoice("5", "A", { dueDate: "2023-11-01", status: "void", balanceMinor: 10_000 }),
        invoice("6", "A", { dueDate: "2023-10-01", balanceMinor: 0 }),
      ],
    });
    const a = await idOf("A");
    expect(await store.getCaseSnapshot(tenantId, a)).toEqual({
      openBalances: [
        { amountMinor: 12_500, currency: "EUR" },
        { amountMinor: 700, currency: "GBP" },
      ],
      oldestDueDate: "2024-01-20",
      openInvoiceCount: 3,
    });
    expect((await store.getOpenInvoices(tenantId, a)).map((item) => [item.externalId, item.dueDate, item.balanceMinor])).toEqual([
      ["3", "2024-01-20", 700],
      ["2", "2024-02-01", 10_000],
      ["1", "2024-03-10", 2_500],
    ]);
    expect(await store.getCaseSnapshot(tenantId, await idOf("Z"))).toEqual({
      openBalances: [],
      oldestDueDate: null,
      openInvoiceCount: 0,
    });
  });

  it("refuses invoices whose debtor is neither in the batch nor stored, and stores nothing of that batch", async () => {
    const { tenantId, connectionId } = await setup();
    await expect(
      store.applyLedgerChanges(tenantId, connectionId, {
        debtors: [debtor("A")],
        invoices: [invoice("1", "A"), invoice("2", "GHOST")],
      }),
    ).rejects.toMatchObject({
      code: "validation_failed",
      issues: [{ path: "invoices.2.debtorExternalId", message: 'unknown debtor "GHOST"' }],
    });
    expect((await store.listDebtors(tenantId, { limit: 10 })).items).toEqual([]);
    // A debtor stored earlier may be referenced by a later batch.
    await store.applyLedgerChanges(tenantId, connectionId, { debtors: [debtor("A")], invoices: [] });
    const later = await store.applyLedgerChanges(tenantId, connectionId, { debtors: [], invoices: [invoice("1", "A")] });
    expect(later.invoices.created).toBe(1);
  });

  it("refuses data the schema does not hold as a validation error", async () => {
    const { tenantId, connectionId } = await setup();
    await expect(
      store.applyLedgerChanges(tenantId, connectionId, {
        debtors: [debtor("A")],
        invoices: [invoice("1", "A", { totalMinor: 100, balanceMinor: 200 })],
      }),
    ).rejects.toMatchObject({ code: "validation_failed" });
    await expect(
      store.applyLedgerChanges(tenantId, connectionId, {
        debtors: [debtor("A")],
        invoices: [invoice("1", "A", { dueDate: "2024-02-30" })],
      }),
    ).rejects.toMatchObject({ code: "validation_failed" });
  });

  it("keeps the last version of a record repeated in one batch", async () => {
    const { tenantId, connectionId, idOf } = await setup();
    const result = await store.applyLedgerChanges(tenantId, connectionId, {
      debtors: [debtor("A", { name: "Old name" }), debtor("A", { name: "New name" })],
      invoices: [invoice("1", "A", { balanceMinor: 10_000 }), invoice("1", "A", { balanceMinor: 3_000 })],
    });
    expect(result.debtors.created).toBe(1);
    expect(result.invoices.created).toBe(1);
    const a = await idOf("A");
    expect((await store.getDebtor(tenantId, a))?.name).toBe("New name");
    expect((await store.getCaseSnapshot(tenantId, a)).openBalances).toEqual([{ amountMinor: 3_000, currency: "EUR" }]);
  });

  it("stores debtor details and reads them back", async () => {
    const { tenantId, connectionId, idOf } = await setup();
    const full = debtor("A", {
      name: "Société Générale d'Exemple",
      emails: ["compta@example.test", "dg@example.test"],
      phone: "+33 1 23 45 67 89",
      language: "fr",
      kind: "b2b",
      address: { lines: ['12 rue "des" Lilas', "Bât. B"], postalCode: "75011", city: "Paris", country: "FR" },
      timeZone: "Europe/Paris",
      tags: ["vip", "repeat_late"],
    });
    await store.applyLedgerChanges(tenantId, connectionId, { debtors: [full], invoices: [] });
    const stored = await store.getDebtor(tenantId, await idOf("A"));
    expect(stored).toMatchObject({
      externalId: "A",
      connectionId,
      name: full.name,
      emails: full.emails,
      phone: full.phone,
      language: "fr",
      kind: "b2b",
      address: full.address,
      timeZone: "Europe/Paris",
      tags: ["vip", "repeat_late"],
      paused: false,
    });
    expect(await store.setDebtorPaused(tenantId, stored?.id ?? "", true)).toBe(true);
    expect((await store.getDebtor(tenantId, stored?.id ?? ""))?.paused).toBe(true);
    // Pausing is ours, not the ledger's: a later sync leaves it alone.
    await store.applyLedgerChanges(tenantId, connectionId, { debtors: [{ ...full, name: "Renamed" }], invoices: [] });
    expect((await store.getDebtor(tenantId, stored?.id ?? ""))?.paused).toBe(true);
  });

  it("walks every debtor and invoice exactly once through the cursors, with filters", async () => {
    const { tenantId, connectionId } = await setup();
    const debtors = Array.from({ length: 23 }, (_, index) => debtor(`D${index}`, { name: `Name ${index % 5}` }));
    const invoices: Invoice[] = Array.from({ length: 57 }, (_, index) =>
      invoice(`I${index}`, `D${index % 23}`, {
        dueDate: `2024-0${(index % 3) + 1}-1${index % 2}`,
        status: index % 4 === 0 ? "paid" : "open",
        balanceMinor: index % 4 === 0 ? 0 : 100 + index,
      }),
    );
    await store.applyLedgerChanges(tenantId, connectionId, { debtors, invoices });

    const seenDebtors: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await store.listDebtors(tenantId, { limit: 4, cursor });
      seenDebtors.push(...page.items.map((item) => item.externalId));
      cursor = page.nextCursor ?? undefined;
      pages += 1;
    } while (cursor);
    expect(pages).toBe(6);
    expect(seenDebtors).toHaveLength(23);
    expect(new Set(seenDebtors)).toEqual(new Set(debtors.map((item) => item.externalId)));

    const walk = async (filter: { debtorId?: string; status?: "open" | "paid" }) => {
      const seen: { externalId: string; dueDate: string }[] = [];
      let next: string | undefined;
      do {
        const page = await store.listInvoices(tenantId, { limit: 5, cursor: next, ...filter });
        seen.push(...page.items.map((item) => ({ externalId: item.externalId, dueDate: item.dueDate })));
        next = page.nextCursor ?? undefined;
      } while (next);
      return seen;
    };
    const all = await walk({});
    expect(all.map((item) => item.externalId).sort()).toEqual(invoices.map((item) => item.externalId).sort());
    expect(all.map((item) => item.dueDate)).toEqual(all.map((item) => item.dueDate).sort());
    const paid = await walk({ status: "paid" });
    expect(paid.map((item) => item.externalId).sort()).toEqual(
      invoices
        .filter((item) => item.status === "paid")
        .map((item) => item.externalId)
        .sort(),
    );
    const d0 = await store.findDebtorByExternalId(tenantId, connectionId, "D0");
    const ofD0 = await walk({ debtorId: d0?.id });
    expect(ofD0.map((item) => item.externalId).sort()).toEqual(["I0", "I23", "I46"]);

    // Open balances come with each listed debtor.
    const firstPage = await store.listDebtors(tenantId, { limit: 100 });
    const listedD0 = firstPage.items.find((item) => item.externalId === "D0");
    // I0 is paid; I23 (123) and I46 (146) are open.
    expect(listedD0?.openBalances).toEqual([{ amountMinor: 269, currency: "EUR" }]);
    expect(firstPage.nextCursor).toBeNull();
  });

  it("rejects bad page sizes and forged cursors", async () => {
    const { tenantId } = await setup();
    await expect(store.listDebtors(tenantId, { limit: 0 })).rejects.toMatchObject({ code: "validation_failed" });
    await expect(store.listInvoices(tenantId, { limit: 5000 })).rejects.toMatchObject({ code: "validation_failed" });
    await expect(store.listDebtors(tenantId, { limit: 5, cursor: "not-a-cursor" })).rejects.toMatchObject({
      code: "validation_failed",
    });
    const foreign = Buffer.from(JSON.stringify([1, 2])).toString("base64url");
    await expect(store.listInvoices(tenantId, { limit: 5, cursor: foreign })).rejects.toMatchObject({
      code: "validation_failed",
    });
  });
});
