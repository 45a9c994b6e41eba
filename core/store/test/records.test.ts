import { collectionPolicySchema } from "@relance/core";
import type { Store } from "@relance/store";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestStore, testEngines } from "../../../test/support/database";
import { debtor, invoice, makeLedgerConnection, makeTenant } from "./fixtures";

const policy = {
  key: "fr-b2b",
  name: "French B2B",
  steps: [
    { id: "courtesy", offsetDays: -3, action: "email" as const, template: "pre-due" },
    { id: "first", offsetDays: 7, action: "email" as const, template: "reminder" },
  ],
};

describe.each(testEngines())("policies and imports on %s", (engine) => {
  let store: Store;
  beforeAll(async () => {
    store = await openTestStore(engine);
  });
  afterAll(async () => {
    await store?.close();
  });

  it("creates a new policy version only when the definition changes", async () => {
    const { id: tenantId } = await makeTenant(store);
    const v1 = await store.savePolicy(tenantId, policy);
    expect(v1).toMatchObject({ key: "fr-b2b", version: 1, name: "French B2B", created: true, policy: { ...policy, version: 1 } });
    // Same definition (keys in another order, a stale version number): nothing new.
    const same = await store.savePolicy(tenantId, { steps: policy.steps, name: policy.name, key: policy.key, version: 9 });
    expect(same).toMatchObject({ id: v1.id, version: 1, created: false });
    const v2 = await store.savePolicy(tenantId, {
      ...policy,
      steps: [...policy.steps, { id: "second", offsetDays: 21, action: "email", template: "firm" }],
    });
    expect(v2).toMatchObject({ version: 2, created: true });
    expect((await store.getPolicy(tenantId, "fr-b2b"))?.version).toBe(2);
    // Stored as validated: the defaults the schema fills in are part of the version.
    expect((await store.getPolicy(tenantId, "fr-b2b", 1))?.policy).toEqual(
      collectionPolicySchema.parse({ ...policy, version: 1 }),
    );
    expect(await store.getPolicy(tenantId, "fr-b2b", 3)).toBeUndefined();
    expect((await store.listPolicyVersions(tenantId, "fr-b2b")).map((item) => item.version)).toEqual([1, 2]);
    // Going back to the first definition is a change from the latest: version 3.
    expect(await store.savePolicy(tenantId, policy)).toMatchObject({ version: 3, created: true });
    const concurrent = await Promise.all(
      [30, 31, 32].map((offsetDays) =>
        store.savePolicy(tenantId, { ...policy, steps: [{ id: "only", offsetDays, action: "email", template: "x" }] }),
      ),
    );
    expect(concurrent.map((item) => item.version).sort()).toEqual([4, 5, 6]);
    expect((await store.listPolicies(tenantId)).map((item) => [item.key, item.version])).toEqual([["fr-b2b", 6]]);
  });

  it("validates a policy before storing it", async () => {
    const { id: tenantId } = await makeTenant(store);
    await expect(
      store.savePolicy(tenantId, { ...policy, steps: [policy.steps[1], policy.steps[0]] as typeof policy.steps }),
    ).rejects.toMatchObject({ code: "validation_failed", issues: [{ path: "steps[1].offsetDays" }] });
    expect(await store.listPolicies(tenantId)).toEqual([]);
  });

  it("records imports: a file is applied once, rejections are kept, and the import lands with its rows or not at all", async () => {
    const { id: tenantId } = await makeTenant(store);
    const connectionId = await makeLedgerConnection(store, tenantId);
    const sha = "0123456789abcdef".repeat(4);
    const rejected = await store.recordImport(tenantId, {
      connectionId,
      fileName: "ledger.csv",
      sha256: sha,
      status: "rejected",
      rowCount: 0,
      summary: { issues: [{ line: 4, message: "not a number" }] },
    });
    expect(await store.findImportBySha(tenantId, connectionId, sha)).toEqual(rejected);

    const applied = await store.transaction(async (tx) => {
      await tx.applyLedgerChanges(tenantId, connectionId, { debtors: [debtor("A")], invoices: [invoice("1", "A")] });
      return tx.recordImport(tenantId, {
        connectionId,
        fileName: "ledger.csv",
        sha256: sha,
        status: "applied",
        rowCount: 2,
        summary: { invoices: 1 },
      });
    });
    expect(await store.findImportBySha(tenantId, connectionId, sha.toUpperCase())).toEqual(applied);
    await expect(
      store.transaction(async (tx) => {
        await tx.applyLedgerChanges(tenantId, connectionId, { debtors: [debtor("B")], invoices: [] });
        return tx.recordImport(tenantId, {
          connectionId,
          fileName: "copy.csv",
          sha256: sha,
          status: "applied",
          rowCount: 1,
          summary: {},
        });
      }),
    ).rejects.toMatchObject({ code: "conflict" });
    // The rows of the refused import were rolled back with it.
    expect(await store.findDebtorByExternalId(tenantId, connectionId, "B")).toBeUndefined();
    expect((await store.listImports(tenantId, connectionId)).map((item) => item.status).sort()).toEqual(["applied", "rejected"]);
  });
});
