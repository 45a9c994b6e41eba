import type { Store } from "@relance/store";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestStore, testEngines } from "../../../test/support/database";
import { debtor, makeLedgerConnection, makeTenant } from "./fixtures";

describe.each(testEngines())("outbox, delivery events and webhook inbox on %s", (engine) => {
  let store: Store;
  let tenantId: string;
  let debtorId: string;
  let sequence = 0;
  const claimInput = (overrides: Partial<{ idempotencyKey: string; stepId: string }> = {}) => {
    sequence += 1;
    return {
      idempotencyKey: `debtor:t:c:D1:step-${sequence}`,
      debtorId,
      stepId: "first-reminder",
      channel: "email",
      pluginId: "email-sendgrid",
      payload: { subject: "Invoice INV-1 is overdue" },
      ...overrides,
    };
  };

  beforeAll(async () => {
    store = await openTestStore(engine);
    const tenant = await makeTenant(store);
    tenantId = tenant.id;
    const connectionId = await makeLedgerConnection(store, tenantId);
    await store.applyLedgerChanges(tenantId, connectionId, { debtors: [debtor("D1")], invoices: [] });
    debtorId = (await store.findDebtorByExternalId(tenantId, connectionId, "D1"))?.id ?? "";
  });
  afterAll(async () => {
    await store?.close();
  });

  it("claims an idempotency key once, for a first attempt: a second claim returns the same row", async () => {
    const input = claimInput();
    const first = await store.claimOutbox(tenantId, input);
    expect(first).toMatchObject({
      created: true,
      status: "sending",
      attempts: 1,
      idempotencyKey: input.idempotencyKey,
      debtorId,
    });
    const second = await store.claimOutbox(tenantId, { ...input, payload: { subject: "re-rendered" } });
    expect(second).toMatchObject({
      created: false,
      id: first.id,
      status: "sending",
      attempts: 1,
      payload: { subject: "Invoice INV-1 is overdue" },
    });
    expect(await store.countOutbox(tenantId, { debtorId })).toBe(1);
  });

  it("lets exactly one of many concurrent claims create the row", async () => {
    const input = claimInput();
    const results = await Promise.all(Array.from({ length: 8 }, () => store.claimOutbox(tenantId, input)));
    expect(results.filter((result) => result.created)).toHaveLength(1);
    expect(new Set(results.map((result) => result.id)).size).toBe(1);
    const { rows } = await sql<{ count: number }>`
      SELECT count(*) AS count FROM outbox WHERE idempotency_key = ${input.idempotencyKey}`.execute(store.db);
    expect(rows[0]?.count).toBe(1);
  });

  it("refuses a key reused for a different step", async () => {
    const input = claimInput();
    await store.claimOutbox(tenantId, input);
    await expect(store.claimOutbox(tenantId, { ...input, stepId: "formal-notice" })).rejects.toMatchObject({
      code: "conflict",
    });
  });

  it("follows the send lifecycle and replays a repeated final step", async () => {
    const message = await store.claimOutbox(tenantId, claimInput());
    expect(message.attempts).toBe(1);
    const doubt = await store.markOutboxInDoubt(tenantId, message.id, "timeout after 30 s");
    expect(doubt).toMatchObject({ status: "in_doubt", lastError: "timeout after 30 s" });
    expect(await store.markOutboxSending(tenantId, message.id)).toBe(2);
    const sent = await store.markOutboxSent(tenantId, message.id, "sg-msg-1");
    expect(sent).toMatchObject({ status: "sent", externalId: "sg-msg-1", attempts: 2, lastError: null });
    expect(sent.sentAt).toBeInstanceOf(Date);
    // A retried activity repeating its last step gets the same row back.
    expect(await store.markOutboxSent(tenantId, message.id, "sg-msg-1")).toMatchObject({ status: "sent", attempts: 2 });
    await expect(store.markOutboxSent(tenantId, message.id, "sg-msg-2")).rejects.toMatchObject({ code: "conflict" });
    await expect(store.markOutboxSending(tenantId, message.id)).rejects.toMatchObject({ code: "conflict" });
    await expect(store.markOutboxCancelled(tenantId, message.id, "paid")).rejects.toMatchObject({ code: "conflict" });
    await expect(store.markOutboxFailed(tenantId, message.id, "x")).rejects.toMatchObject({ code: "conflict" });
    expect((await store.findOutboxByMessageId(message.id))?.status).toBe("sent");
  });

  it("cancels a claimed message and fails on a provider refusal", async () => {
    const cancelled = await store.claimOutbox(tenantId, claimInput());
    expect(await store.markOutboxCancelled(tenantId, cancelled.id, "balance paid")).toMatchObject({
      status: "cancelled",
      lastError: "balance paid",
      attempts: 1,
    });
    expect(await store.markOutboxCancelled(tenantId, cancelled.id, "balance paid")).toMatchObject({ status: "cancelled" });
    const failed = await store.claimOutbox(tenantId, claimInput());
    expect(await store.markOutboxFailed(tenantId, failed.id, "invalid recipient")).toMatchObject({ status: "failed" });
    expect(await store.countOutbox(tenantId, { status: ["cancelled", "failed"] })).toBe(2);
    expect((await store.listOutbox(tenantId, { status: "failed", limit: 10 })).map((item) => item.id)).toEqual([failed.id]);
    await expect(store.markOutboxSending(tenantId, "00000000-0000-4000-8000-000000000000")).rejects.toMatchObject({
      code: "not_found",
    });
  });

  it("records delivery events in the message's timeline, in order, through a cursor", async () => {
    const message = await store.claimOutbox(tenantId, claimInput());
    await store.markOutboxSent(tenantId, message.id, "sg-7");
    await store.appendCommunication(tenantId, {
      kind: "message",
      debtorId,
      messageId: message.id,
      channel: "email",
      status: "accepted",
      summary: "first reminder sent",
      occurredAt: new Date("2024-04-01T09:00:00.000Z"),
    });
    const delivered = await store.recordDeliveryEvent(message.id, {
      status: "delivered",
      occurredAt: new Date("2024-04-01T09:00:05.250Z"),
      providerEventId: "evt-1",
    });
    expect(delivered).toMatchObject({
      tenantId,
      debtorId,
      messageId: message.id,
      kind: "delivery",
      channel: "email",
      status: "delivered",
      detail: { providerEventId: "evt-1", pluginId: "email-sendgrid", externalId: "sg-7" },
    });
    await store.recordDeliveryEvent(message.id, {
      status: "opened",
      occurredAt: new Date("2024-04-01T09:00:05.250Z"),
      providerEventId: "evt-2",
      detail: "opened on mobile",
    });
    expect(
      await store.recordDeliveryEvent("00000000-0000-4000-8000-000000000000", {
        status: "delivered",
        occurredAt: new Date(),
        providerEventId: "evt-x",
      }),
    ).toBeUndefined();

    const summaries: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.listTimeline(tenantId, debtorId, { limit: 1, cursor });
      summaries.push(...page.items.map((item) => `${item.summary}@${item.occurredAt.toISOString()}`));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(summaries).toEqual([
      "first reminder sent@2024-04-01T09:00:00.000Z",
      "email delivered@2024-04-01T09:00:05.250Z",
      "email opened@2024-04-01T09:00:05.250Z",
    ]);
    expect(await store.countCommunications(tenantId, debtorId, "delivery")).toBe(2);
  });

  it("de-duplicates webhook events per provider", async () => {
    expect(await store.recordWebhookEvent("sendgrid", "evt-100", { tenantId, payload: { event: "delivered" } })).toBe(true);
    expect(await store.recordWebhookEvent("sendgrid", "evt-100", { tenantId, payload: { event: "delivered" } })).toBe(false);
    expect(await store.recordWebhookEvent("lob", "evt-100", { payload: [1, 2] })).toBe(true);
    const concurrent = await Promise.all(
      Array.from({ length: 5 }, () => store.recordWebhookEvent("xero", "evt-200", { payload: { events: [] } })),
    );
    expect(concurrent.filter(Boolean)).toHaveLength(1);
  });
});
