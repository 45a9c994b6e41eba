import type { Store } from "@relance/store";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestStore, testEngines } from "../../../test/support/database";
import { debtor, invoice, makeLedgerConnection, makeTenant } from "./fixtures";

const POLICY = {
  key: "standard",
  name: "Standard",
  steps: [{ id: "first", offsetDays: 3, action: "email" as const, template: "reminder" }],
};
const SHA = "a".repeat(64);

/** One tenant with a bit of everything, under the same external ids in every tenant. */
async function populate(store: Store, name: string) {
  const tenant = await makeTenant(store, name);
  const connectionId = await makeLedgerConnection(store, tenant.id);
  await store.ensureConnection(tenant.id, {
    pluginId: "email-sendgrid",
    kind: "channel",
    name: "main",
    config: {},
    secrets: { apiKey: name },
  });
  await store.applyLedgerChanges(tenant.id, connectionId, { debtors: [debtor("D1")], invoices: [invoice("I1", "D1")] });
  const debtorRecord = await store.findDebtorByExternalId(tenant.id, connectionId, "D1");
  if (!debtorRecord) throw new Error("debtor missing");
  const key = await store.createApiKey(tenant.id, "key");
  await store.savePolicy(tenant.id, POLICY);
  const message = await store.claimOutbox(tenant.id, {
    idempotencyKey: `${tenant.id}:step-1`,
    debtorId: debtorRecord.id,
    stepId: "first",
    channel: "email",
    pluginId: "email-sendgrid",
    payload: { subject: name },
  });
  await store.appendCommunication(tenant.id, {
    kind: "message",
    debtorId: debtorRecord.id,
    messageId: message.id,
    summary: `sent to ${name}`,
    occurredAt: new Date(),
  });
  await store.recordImport(tenant.id, {
    connectionId,
    fileName: "a.csv",
    sha256: SHA,
    status: "applied",
    rowCount: 1,
    summary: {},
  });
  return { tenantId: tenant.id, connectionId, debtorId: debtorRecord.id, keyId: key.id, messageId: message.id };
}

describe.each(testEngines())("tenant isolation on %s", (engine) => {
  let store: Store;
  let a: Awaited<ReturnType<typeof populate>>;
  let b: Awaited<ReturnType<typeof populate>>;
  beforeAll(async () => {
    store = await openTestStore(engine);
    a = await populate(store, "Alpha");
    b = await populate(store, "Beta");
  });
  afterAll(async () => {
    await store?.close();
  });

  it("lists only the caller's own rows", async () => {
    const owned = async (tenantId: string) => ({
      apiKeys: (await store.listApiKeys(tenantId)).map((item) => item.tenantId),
      connections: (await store.listConnections(tenantId)).map((item) => item.tenantId),
      debtors: (await store.listDebtors(tenantId, { limit: 50 })).items.map((item) => item.tenantId),
      invoices: (await store.listInvoices(tenantId, { limit: 50 })).items.map((item) => item.tenantId),
      policies: (await store.listPolicies(tenantId)).length,
      policyVersions: (await store.listPolicyVersions(tenantId, "standard")).length,
      outbox: (await store.listOutbox(tenantId, { limit: 50 })).map((item) => item.tenantId),
      outboxCount: await store.countOutbox(tenantId),
      imports: (await store.listImports(tenantId)).map((item) => item.tenantId),
    });
    for (const { tenantId } of [a, b]) {
      expect(await owned(tenantId)).toEqual({
        apiKeys: [tenantId],
        connections: [tenantId, tenantId],
        debtors: [tenantId],
        invoices: [tenantId],
        policies: 1,
        policyVersions: 1,
        outbox: [tenantId],
        outboxCount: 1,
        imports: [tenantId],
      });
    }
  });

  it("never reads another tenant's object by id", async () => {
    expect(await store.getDebtor(b.tenantId, a.debtorId)).toBeUndefined();
    expect(await store.findDebtorByExternalId(b.tenantId, a.connectionId, "D1")).toBeUndefined();
    expect(await store.getConnection(b.tenantId, a.connectionId)).toBeUndefined();
    expect((await store.listInvoices(b.tenantId, { limit: 10, debtorId: a.debtorId })).items).toEqual([]);
    expect((await store.listDebtors(b.tenantId, { limit: 10, connectionId: a.connectionId })).items).toEqual([]);
    expect(await store.getCaseSnapshot(b.tenantId, a.debtorId)).toEqual({
      openBalances: [],
      oldestDueDate: null,
      openInvoiceCount: 0,
    });
    expect(await store.getOpenInvoices(b.tenantId, a.debtorId)).toEqual([]);
    expect(await store.getOutboxMessage(b.tenantId, a.messageId)).toBeUndefined();
    expect(await store.findOutboxByKey(b.tenantId, `${a.tenantId}:step-1`)).toBeUndefined();
    expect(await store.countOutbox(b.tenantId, { debtorId: a.debtorId })).toBe(0);
    expect(await store.listOutbox(b.tenantId, { limit: 10, debtorId: a.debtorId })).toEqual([]);
    expect((await store.listTimeline(b.tenantId, a.debtorId, { limit: 10 })).items).toEqual([]);
    expect(await store.countCommunications(b.tenantId, a.debtorId)).toBe(0);
    expect(await store.findImportBySha(b.tenantId, a.connectionId, SHA)).toBeUndefined();
    expect(await store.listImports(b.tenantId, a.connectionId)).toEqual([]);
    expect(await store.getPolicy(b.tenantId, "standard")).toMatchObject({ key: "standard" });
    expect((await store.getPolicy(b.tenantId, "standard"))?.id).not.toBe((await store.getPolicy(a.tenantId, "standard"))?.id);
    // The same calls with the owner's tenant do find them: the checks above are not vacuous.
    expect(await store.getDebtor(a.tenantId, a.debtorId)).toBeDefined();
    expect(await store.getConnection(a.tenantId, a.connectionId)).toBeDefined();
    expect(await store.getOutboxMessage(a.tenantId, a.messageId)).toBeDefined();
    expect((await store.listTimeline(a.tenantId, a.debtorId, { limit: 10 })).items).toHaveLength(1);
    expect(await store.findImportBySha(a.tenantId, a.connectionId, SHA)).toBeDefined();
    expect((await store.getCaseSnapshot(a.tenantId, a.debtorId)).openInvoiceCount).toBe(1);
  });

  it("never changes another tenant's object", async () => {
    expect(await store.revokeApiKey(b.tenantId, a.keyId)).toBe(false);
    expect(await store.setDebtorPaused(b.tenantId, a.debtorId, true)).toBe(false);
    expect(await store.updateConnectionSecrets(b.tenantId, a.connectionId, { apiKey: "stolen" })).toBe(false);
    expect(await store.setConnectionStatus(b.tenantId, a.connectionId, "disabled")).toBe(false);
    expect(await store.recordSyncWatermark(b.tenantId, a.connectionId, "x")).toBe(false);
    await expect(store.markOutboxSending(b.tenantId, a.messageId)).rejects.toMatchObject({ code: "not_found" });
    await expect(store.markOutboxCancelled(b.tenantId, a.messageId, "x")).rejects.toMatchObject({ code: "not_found" });
    await expect(
      store.applyLedgerChanges(b.tenantId, a.connectionId, { debtors: [debtor("X")], invoices: [] }),
    ).rejects.toMatchObject({ code: "not_found" });
    await expect(
      store.claimOutbox(b.tenantId, {
        idempotencyKey: "b-on-a",
        debtorId: a.debtorId,
        stepId: "s",
        channel: "email",
        pluginId: "p",
        payload: {},
      }),
    ).rejects.toMatchObject({ code: "not_found" });
    // A key already used by tenant A is a conflict for tenant B, which learns nothing else.
    await expect(
      store.claimOutbox(b.tenantId, {
        idempotencyKey: `${a.tenantId}:step-1`,
        debtorId: b.debtorId,
        stepId: "first",
        channel: "email",
        pluginId: "email-sendgrid",
        payload: {},
      }),
    ).rejects.toMatchObject({ code: "conflict" });
    // Composite foreign keys refuse cross-tenant links even when a query forgets to check.
    await expect(
      store.appendCommunication(b.tenantId, { kind: "note", debtorId: a.debtorId, summary: "x", occurredAt: new Date() }),
    ).rejects.toThrow();
    await expect(
      store.recordImport(b.tenantId, {
        connectionId: a.connectionId,
        fileName: "x",
        sha256: SHA,
        status: "rejected",
        rowCount: 0,
        summary: {},
      }),
    ).rejects.toThrow();

    const untouched = await store.getDebtor(a.tenantId, a.debtorId);
    expect(untouched?.paused).toBe(false);
    expect((await store.getConnection(a.tenantId, a.connectionId))?.watermark).toBeNull();
    expect((await store.listApiKeys(a.tenantId))[0]?.revokedAt).toBeNull();
    expect((await store.getOutboxMessage(a.tenantId, a.messageId))?.status).toBe("sending");
    const sendgrid = (await store.listConnections(a.tenantId)).find((item) => item.pluginId === "email-sendgrid");
    expect((await store.getConnection(a.tenantId, sendgrid?.id ?? ""))?.secrets()).toEqual({ apiKey: "Alpha" });
  });

  it("treats ids that are not uuids as unknown instead of failing", async () => {
    expect(await store.getDebtor(a.tenantId, "1 OR 1=1")).toBeUndefined();
    expect(await store.getDebtor("not-a-tenant", a.debtorId)).toBeUndefined();
    expect(await store.getTenant("nope")).toBeUndefined();
    expect(await store.findOutboxByMessageId("nope")).toBeUndefined();
    expect((await store.listDebtors("nope", { limit: 5 })).items).toEqual([]);
  });
});
