/** The one-round-trip reads and writes of a step: its context, and "sent" with its timeline entry. */
import type { Store } from "@relance/store";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestStore, testEngines } from "../../../test/support/database";
import { makeCaseWorld } from "./fixtures";

describe.each(testEngines())("step reads and writes on %s", (engine) => {
  let store: Store;
  beforeAll(async () => {
    store = await openTestStore(engine);
  });
  afterAll(async () => {
    await store?.close();
  });

  it("reads the debtor and its open invoices with what open disputes hold back, in one query", async () => {
    const world = await makeCaseWorld(store);
    const D1 = world.debtors.D1;
    await store.openDispute(world.tenantId, {
      invoiceId: world.invoices.I2,
      amountMinor: 1_500,
      reason: "billing_error",
      createdBy: "t",
    });
    const context = await store.getStepContext(world.tenantId, D1);
    expect(context?.debtor).toMatchObject({ id: D1, externalId: "D1", overrides: {} });
    const plain = await store.getOpenInvoices(world.tenantId, D1);
    // The same invoices as the plain read, same order and fields, each with its held-back part.
    expect(context?.invoices.map(({ disputedMinor: _held, ...invoice }) => invoice)).toEqual(plain);
    expect(context?.invoices.map((invoice) => [invoice.externalId, invoice.disputedMinor])).toEqual(
      plain.map((invoice) => [invoice.externalId, invoice.externalId === "I2" ? 1_500 : 0]),
    );
    expect(context?.invoices.some((invoice) => invoice.externalId === "I4")).toBe(false);
  });

  it("finds nothing for another tenant's debtor", async () => {
    const a = await makeCaseWorld(store, "A");
    const b = await makeCaseWorld(store, "B");
    expect(await store.getStepContext(b.tenantId, a.debtors.D1)).toBeUndefined();
    expect(await store.getStepContext(a.tenantId, "not-a-uuid")).toBeUndefined();
  });

  it("marks a message sent and records it in one statement; a replay keeps it sent", async () => {
    const world = await makeCaseWorld(store);
    const debtorId = world.debtors.D1;
    const row = await store.claimOutbox(world.tenantId, {
      idempotencyKey: `k-${world.tenantId}`,
      debtorId,
      stepId: "s1",
      channel: "email",
      pluginId: "outbox",
      payload: {},
    });
    const entry = { debtorId, channel: "outbox", status: "delivered", summary: "s1: sent", detail: { stepId: "s1" } };
    await store.markOutboxSentAndRecord(world.tenantId, row.id, "ext-1", entry);
    expect(await store.getOutboxMessage(world.tenantId, row.id)).toMatchObject({ status: "sent", externalId: "ext-1" });
    const timeline = await store.listTimeline(world.tenantId, debtorId, { limit: 10 });
    expect(timeline.items.map((item) => [item.kind, item.messageId, item.summary, item.detail])).toEqual([
      ["message", row.id, "s1: sent", { stepId: "s1" }],
    ]);
    // Replayed after a crash: still sent; a different provider id for a sent message is a conflict.
    await store.markOutboxSentAndRecord(world.tenantId, row.id, "ext-1", entry);
    expect(await store.getOutboxMessage(world.tenantId, row.id)).toMatchObject({ status: "sent", externalId: "ext-1" });
    await expect(store.markOutboxSentAndRecord(world.tenantId, row.id, "ext-2", entry)).rejects.toMatchObject({
      code: "conflict",
    });
  });
});
