import type { DebtorOverrides } from "@relance/core";
import type { Store } from "@relance/store";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestStore, testEngines } from "../../../test/support/database";
import { debtor, failure, makeCaseWorld, refused } from "./fixtures";

describe.each(testEngines())("tasks on %s", (engine) => {
  let store: Store;
  beforeAll(async () => {
    store = await openTestStore(engine);
  });
  afterAll(async () => {
    await store?.close();
  });

  it("creates a task once per idempotency key: a repeated step gets the same row back", async () => {
    const world = await makeCaseWorld(store);
    const input = {
      kind: "phone_call" as const,
      title: "Call Debtor D1 about INV-I1",
      debtorId: world.debtors.D1,
      detail: { phone: "+33 1 23 45 67 89" },
      dueAt: new Date("2024-03-04T09:30:00.123Z"),
      idempotencyKey: "debtor:t:c:D1:call-1",
    };
    const first = await store.createTask(world.tenantId, input);
    expect(first).toMatchObject({
      created: true,
      tenantId: world.tenantId,
      debtorId: world.debtors.D1,
      kind: "phone_call",
      status: "open",
      dueAt: input.dueAt,
      detail: input.detail,
      assignee: null,
      outcome: null,
      completedAt: null,
    });
    const again = await store.createTask(world.tenantId, { ...input, title: "re-rendered title" });
    expect(again).toEqual({ ...first, created: false });
    const concurrent = await Promise.all(
      Array.from({ length: 6 }, () => store.createTask(world.tenantId, { ...input, idempotencyKey: "debtor:t:c:D1:call-2" })),
    );
    expect(concurrent.filter((task) => task.created)).toHaveLength(1);
    expect(new Set(concurrent.map((task) => task.id)).size).toBe(1);
    // The same key for another kind of task or another debtor is a conflict, never a silent match.
    await expect(store.createTask(world.tenantId, { ...input, kind: "review" })).rejects.toMatchObject({ code: "conflict" });
    await expect(store.createTask(world.tenantId, { ...input, debtorId: world.debtors.D2 })).rejects.toMatchObject({
      code: "conflict",
    });
    // Without a key, every call creates a task.
    const { idempotencyKey: _key, ...unkeyed } = input;
    const [x, y] = [await store.createTask(world.tenantId, unkeyed), await store.createTask(world.tenantId, unkeyed)];
    expect(x.id).not.toBe(y.id);
    expect((await store.listTasks(world.tenantId, { limit: 100 })).items).toHaveLength(4);
  });

  it("keeps idempotency keys per tenant", async () => {
    const a = await makeCaseWorld(store, "Alpha");
    const b = await makeCaseWorld(store, "Beta");
    const key = "shared-key";
    const taskA = await store.createTask(a.tenantId, { kind: "review", title: "A", idempotencyKey: key });
    const taskB = await store.createTask(b.tenantId, { kind: "review", title: "B", idempotencyKey: key });
    expect(taskB).toMatchObject({ created: true, tenantId: b.tenantId, title: "B" });
    expect(taskB.id).not.toBe(taskA.id);
  });

  it("validates its input by field", async () => {
    const world = await makeCaseWorld(store);
    expect(
      await failure(
        store.createTask(world.tenantId, {
          kind: "email" as "review",
          title: " ",
          dueAt: new Date("nope"),
          idempotencyKey: "",
        }),
      ),
    ).toEqual({ code: "validation_failed", paths: ["kind", "title", "dueAt", "idempotencyKey"] });
    await expect(
      store.createTask(world.tenantId, { kind: "review", title: "x", debtorId: "00000000-0000-4000-8000-000000000000" }),
    ).rejects.toMatchObject({ code: "not_found" });
    await expect(store.createTask(world.tenantId, { kind: "review", title: "x", debtorId: "D1" })).rejects.toMatchObject({
      code: "not_found",
    });
  });

  it("pages through tasks by due time with filters", async () => {
    const world = await makeCaseWorld(store);
    const base = Date.parse("2024-03-04T09:00:00.000Z");
    const created = [];
    for (let index = 0; index < 7; index += 1) {
      created.push(
        await store.createTask(world.tenantId, {
          kind: index % 2 === 0 ? "phone_call" : "review",
          title: `task ${index}`,
          debtorId: index < 5 ? world.debtors.D1 : world.debtors.D2,
          // Two tasks share each due time: the id breaks the tie.
          dueAt: new Date(base + Math.floor(index / 2) * 60_000 + 1),
        }),
      );
    }
    const expected = [...created]
      .sort((p, q) => p.dueAt.getTime() - q.dueAt.getTime() || (p.id < q.id ? -1 : 1))
      .map((t) => t.id);
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.listTasks(world.tenantId, { limit: 3, ...(cursor ? { cursor } : {}) });
      seen.push(...page.items.map((task) => task.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual(expected);
    expect((await store.listTasks(world.tenantId, { limit: 100, kind: "review" })).items.map((task) => task.title)).toEqual([
      "task 1",
      "task 3",
      "task 5",
    ]);
    expect((await store.listTasks(world.tenantId, { limit: 100, debtorId: world.debtors.D2 })).items).toHaveLength(2);
    await store.completeTask(world.tenantId, created[0]?.id ?? "", { outcome: "no_answer" });
    expect((await store.listTasks(world.tenantId, { limit: 100, status: "open" })).items).toHaveLength(6);
    expect((await store.listTasks(world.tenantId, { limit: 100, status: "done" })).items.map((task) => task.id)).toEqual([
      created[0]?.id,
    ]);
    await expect(store.listTasks(world.tenantId, { limit: 3, cursor: "garbage" })).rejects.toMatchObject({
      code: "validation_failed",
      issues: [{ path: "cursor" }],
    });
    await expect(store.listTasks(world.tenantId, { limit: 0 })).rejects.toMatchObject({ issues: [{ path: "limit" }] });
  });

  it("completes an open task once, with an outcome", async () => {
    const world = await makeCaseWorld(store);
    const task = await store.createTask(world.tenantId, { kind: "phone_call", title: "Call", debtorId: world.debtors.D1 });
    expect(await failure(store.completeTask(world.tenantId, task.id, { outcome: "voicemail" as "reached" }))).toEqual({
      code: "validation_failed",
      paths: ["outcome"],
    });
    const completedAt = new Date("2024-03-05T10:00:00.000Z");
    const done = await store.completeTask(world.tenantId, task.id, {
      outcome: "promised",
      note: "will pay on the 15th",
      completedAt,
    });
    expect(done).toMatchObject({ status: "done", outcome: "promised", outcomeNote: "will pay on the 15th", completedAt });
    await expect(store.completeTask(world.tenantId, task.id, { outcome: "reached" })).rejects.toMatchObject({ code: "conflict" });
    await expect(store.cancelTask(world.tenantId, task.id)).rejects.toMatchObject({ code: "conflict" });
    const other = await store.createTask(world.tenantId, { kind: "write_back", title: "Credit note failed" });
    expect(await store.cancelTask(world.tenantId, other.id, "done by hand in Xero")).toMatchObject({
      status: "cancelled",
      outcome: null,
      outcomeNote: "done by hand in Xero",
    });
    await expect(store.completeTask(world.tenantId, other.id)).rejects.toMatchObject({ code: "conflict" });
    await expect(store.completeTask(world.tenantId, "00000000-0000-4000-8000-000000000000")).rejects.toMatchObject({
      code: "not_found",
    });
  });

  it("never lets one tenant read or complete another tenant's task", async () => {
    const a = await makeCaseWorld(store, "Alpha");
    const b = await makeCaseWorld(store, "Beta");
    const task = await store.createTask(a.tenantId, { kind: "mediation", title: "Mediate", debtorId: a.debtors.D1 });
    expect(await store.getTask(b.tenantId, task.id)).toBeUndefined();
    expect((await store.listTasks(b.tenantId, { limit: 10 })).items).toEqual([]);
    expect((await store.listTasks(b.tenantId, { limit: 10, debtorId: a.debtors.D1 })).items).toEqual([]);
    await expect(store.completeTask(b.tenantId, task.id, { outcome: "reached" })).rejects.toMatchObject({ code: "not_found" });
    await expect(store.cancelTask(b.tenantId, task.id)).rejects.toMatchObject({ code: "not_found" });
    // A task of tenant B cannot point at tenant A's debtor.
    await expect(store.createTask(b.tenantId, { kind: "review", title: "x", debtorId: a.debtors.D1 })).rejects.toMatchObject({
      code: "not_found",
    });
    expect((await store.getTask(a.tenantId, task.id))?.status).toBe("open");
  });

  it("enforces its rules in the database too", async () => {
    const world = await makeCaseWorld(store);
    const insert = (values: Record<string, unknown>) => {
      const row = { kind: "review", status: "open", outcome: null, completed_at: null, ...values };
      return sql`INSERT INTO tasks (tenant_id, kind, title, status, due_at, outcome, completed_at)
        VALUES (${world.tenantId}, ${row.kind}, 't', ${row.status}, now(), ${row.outcome}, ${row.completed_at})`.execute(
        store.db,
      );
    };
    expect(await refused(insert({ kind: "email" }))).toEqual({ code: "23514", constraint: "tasks_kind_check" });
    expect(await refused(insert({ status: "done", completed_at: new Date(), outcome: "voicemail" }))).toEqual({
      code: "23514",
      constraint: "tasks_outcome_check",
    });
    expect(await refused(insert({ outcome: "reached" }))).toEqual({ code: "23514", constraint: "tasks_outcome_when_done_check" });
    expect(await refused(insert({ status: "done" }))).toEqual({ code: "23514", constraint: "tasks_completed_check" });
    await insert({ status: "done", completed_at: new Date(), outcome: "wrong_number" });
  });
});

describe.each(testEngines())("ledger write-backs on %s", (engine) => {
  let store: Store;
  beforeAll(async () => {
    store = await openTestStore(engine);
  });
  afterAll(async () => {
    await store?.close();
  });

  it("requests an action once per key and records each attempt", async () => {
    const world = await makeCaseWorld(store);
    const input = {
      idempotencyKey: "dispute:abc:credit-note",
      debtorId: world.debtors.D1,
      connectionId: world.connectionId,
      kind: "credit_note" as const,
      payload: { invoiceId: world.invoices.I1, amountMinor: 1_200, currency: "EUR" },
    };
    const concurrent = await Promise.all(Array.from({ length: 5 }, () => store.requestLedgerAction(world.tenantId, input)));
    expect(concurrent.filter((action) => action.created)).toHaveLength(1);
    expect(new Set(concurrent.map((action) => action.id)).size).toBe(1);
    const action = concurrent[0];
    if (!action) throw new Error("no action");
    expect(action).toMatchObject({
      status: "pending",
      attempts: 0,
      lastError: null,
      payload: input.payload,
      kind: "credit_note",
    });
    expect(await store.requestLedgerAction(world.tenantId, { ...input, payload: { other: true } })).toMatchObject({
      id: action.id,
      created: false,
      payload: input.payload,
    });
    await expect(store.requestLedgerAction(world.tenantId, { ...input, kind: "note" })).rejects.toMatchObject({
      code: "conflict",
    });

    const failed = await store.markLedgerAction(world.tenantId, action.id, { status: "failed", error: "Xero 503" });
    expect(failed).toMatchObject({ status: "failed", attempts: 1, lastError: "Xero 503" });
    expect(
      (await store.listLedgerActions(world.tenantId, { limit: 10, status: ["pending", "failed"] })).map((a) => a.id),
    ).toEqual([action.id]);
    const done = await store.markLedgerAction(world.tenantId, action.id, { status: "done" });
    expect(done).toMatchObject({ status: "done", attempts: 2, lastError: null });
    // A retried activity replaying its last mark gets the row unchanged; any other change is refused.
    expect(await store.markLedgerAction(world.tenantId, action.id, { status: "done" })).toEqual(done);
    await expect(store.markLedgerAction(world.tenantId, action.id, { status: "failed", error: "x" })).rejects.toMatchObject({
      code: "conflict",
    });
    const note = await store.requestLedgerAction(world.tenantId, {
      ...input,
      idempotencyKey: "note-1",
      kind: "note",
      payload: {},
    });
    expect(
      await store.markLedgerAction(world.tenantId, note.id, { status: "not_supported", error: "CSV ledgers" }),
    ).toMatchObject({
      status: "not_supported",
      attempts: 1,
    });
    expect((await store.listLedgerActions(world.tenantId, { limit: 10, status: "pending" })).length).toBe(0);
    expect((await store.listLedgerActions(world.tenantId, { limit: 10, kind: "note" })).map((a) => a.id)).toEqual([note.id]);
    expect(await failure(store.markLedgerAction(world.tenantId, note.id, { status: "failed", error: "" }))).toEqual({
      code: "validation_failed",
      paths: ["error"],
    });
  });

  it("refuses a debtor that is not from the given connection or tenant, and bad input", async () => {
    const a = await makeCaseWorld(store, "Alpha");
    const b = await makeCaseWorld(store, "Beta");
    const otherConnection = await store.ensureConnection(a.tenantId, {
      pluginId: "xero",
      kind: "connector",
      name: "x",
      config: {},
    });
    const input = {
      idempotencyKey: "k",
      debtorId: a.debtors.D1,
      connectionId: a.connectionId,
      kind: "late_fee" as const,
      payload: {},
    };
    await expect(store.requestLedgerAction(a.tenantId, { ...input, connectionId: otherConnection.id })).rejects.toMatchObject({
      code: "not_found",
    });
    await expect(store.requestLedgerAction(b.tenantId, input)).rejects.toMatchObject({ code: "not_found" });
    expect(
      await failure(
        store.requestLedgerAction(a.tenantId, {
          ...input,
          idempotencyKey: "",
          kind: "refund" as "note",
          payload: [] as unknown as Record<string, unknown>,
        }),
      ),
    ).toEqual({ code: "validation_failed", paths: ["idempotencyKey", "kind", "payload"] });
    const action = await store.requestLedgerAction(a.tenantId, input);
    // Tenant isolation.
    expect(await store.getLedgerAction(b.tenantId, action.id)).toBeUndefined();
    expect(await store.listLedgerActions(b.tenantId, { limit: 10 })).toEqual([]);
    expect(await store.listLedgerActions(b.tenantId, { limit: 10, debtorId: a.debtors.D1 })).toEqual([]);
    await expect(store.markLedgerAction(b.tenantId, action.id, { status: "done" })).rejects.toMatchObject({ code: "not_found" });
    // Keys are per tenant: B's own request under the same key is its own.
    expect(
      await store.requestLedgerAction(b.tenantId, { ...input, debtorId: b.debtors.D1, connectionId: b.connectionId }),
    ).toMatchObject({
      created: true,
      tenantId: b.tenantId,
    });
    expect((await store.getLedgerAction(a.tenantId, action.id))?.status).toBe("pending");
    expect(await refused(sql`UPDATE ledger_actions SET status = 'sent' WHERE id = ${action.id}`.execute(store.db))).toEqual({
      code: "23514",
      constraint: "ledger_actions_status_check",
    });
  });
});

describe.each(testEngines())("debtor overrides, segments and the schema's other changes on %s", (engine) => {
  let store: Store;
  beforeAll(async () => {
    store = await openTestStore(engine);
  });
  afterAll(async () => {
    await store?.close();
  });

  it("stores validated overrides, which a ledger sync leaves alone", async () => {
    const world = await makeCaseWorld(store);
    expect(await store.getDebtorOverrides(world.tenantId, world.debtors.D1)).toEqual({});
    const overrides: DebtorOverrides = {
      preferredChannel: "letter",
      optOuts: ["email"],
      doNotChaseBefore: "2024-04-01",
      excludedInvoiceIds: [world.invoices.I2],
    };
    expect(await store.setDebtorOverrides(world.tenantId, world.debtors.D1, overrides)).toBe(true);
    expect(await store.getDebtorOverrides(world.tenantId, world.debtors.D1)).toEqual(overrides);
    await store.applyLedgerChanges(world.tenantId, world.connectionId, {
      debtors: [debtor("D1", { name: "Renamed" })],
      invoices: [],
    });
    expect((await store.getDebtor(world.tenantId, world.debtors.D1))?.name).toBe("Renamed");
    expect(await store.getDebtorOverrides(world.tenantId, world.debtors.D1)).toEqual(overrides);

    const invalid = { optOuts: ["fax"], doNotChaseBefore: "soon", colour: "red" } as unknown as DebtorOverrides;
    const error = await failure(store.setDebtorOverrides(world.tenantId, world.debtors.D1, invalid));
    expect(error.code).toBe("validation_failed");
    expect([...error.paths].sort()).toEqual(["colour", "doNotChaseBefore", "optOuts[0]"]);
    expect(await store.getDebtorOverrides(world.tenantId, world.debtors.D1)).toEqual(overrides);
    expect(await store.setDebtorOverrides(world.tenantId, world.debtors.D1, {})).toBe(true);
    expect(await store.getDebtorOverrides(world.tenantId, world.debtors.D1)).toEqual({});
  });

  it("sets segment tags", async () => {
    const world = await makeCaseWorld(store);
    expect(await store.setDebtorTags(world.tenantId, world.debtors.D1, ["vip", "repeat-late", "vip"])).toBe(true);
    expect((await store.getDebtor(world.tenantId, world.debtors.D1))?.tags).toEqual(["vip", "repeat-late"]);
    expect(await failure(store.setDebtorTags(world.tenantId, world.debtors.D1, ["vip", "Big Spender"]))).toEqual({
      code: "validation_failed",
      paths: ["tags[1]"],
    });
    expect(await store.setDebtorTags(world.tenantId, world.debtors.D1, [])).toBe(true);
    expect((await store.getDebtor(world.tenantId, world.debtors.D1))?.tags).toEqual([]);
  });

  it("never reads or changes another tenant's debtor settings", async () => {
    const a = await makeCaseWorld(store, "Alpha");
    const b = await makeCaseWorld(store, "Beta");
    await store.setDebtorOverrides(a.tenantId, a.debtors.D1, { language: "en" });
    await store.setDebtorTags(a.tenantId, a.debtors.D1, ["vip"]);
    expect(await store.getDebtorOverrides(b.tenantId, a.debtors.D1)).toBeUndefined();
    expect(await store.setDebtorOverrides(b.tenantId, a.debtors.D1, { language: "fr" })).toBe(false);
    expect(await store.setDebtorTags(b.tenantId, a.debtors.D1, ["new"])).toBe(false);
    expect(await store.getDebtorOverrides(a.tenantId, "nope")).toBeUndefined();
    expect(await store.getDebtorOverrides(a.tenantId, a.debtors.D1)).toEqual({ language: "en" });
    expect((await store.getDebtor(a.tenantId, a.debtors.D1))?.tags).toEqual(["vip"]);
  });

  it("logs the new communication kinds under one kind check, and keys invoices by (tenant_id, id)", async () => {
    const world = await makeCaseWorld(store);
    for (const kind of ["dispute", "promise", "plan", "task", "mediation", "message"] as const) {
      await store.appendCommunication(world.tenantId, {
        kind,
        debtorId: world.debtors.D1,
        summary: kind,
        occurredAt: new Date(),
      });
    }
    expect(await store.countCommunications(world.tenantId, world.debtors.D1, "mediation")).toBe(1);
    expect(
      await refused(
        store.appendCommunication(world.tenantId, {
          kind: "gossip" as "note",
          debtorId: null,
          summary: "x",
          occurredAt: new Date(),
        }),
      ),
    ).toEqual({ code: "23514", constraint: "communications_kind_check" });
    const { rows } = await sql<{ conname: string }>`
      SELECT c.conname FROM pg_constraint c
      JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)
      WHERE c.conrelid = 'communications'::regclass AND c.contype = 'c' AND a.attname = 'kind'`.execute(store.db);
    expect(rows.map((row) => row.conname)).toEqual(["communications_kind_check"]);
    const unique = await sql<{ conname: string }>`
      SELECT conname FROM pg_constraint WHERE conrelid = 'invoices'::regclass AND contype = 'u'
      AND pg_get_constraintdef(oid) = 'UNIQUE (tenant_id, id)'`.execute(store.db);
    expect(unique.rows.map((row) => row.conname)).toEqual(["invoices_tenant_id_id_key"]);
    expect(await refused(sql`UPDATE debtors SET overrides = '[]' WHERE id = ${world.debtors.D1}`.execute(store.db))).toEqual({
      code: "23514",
      constraint: "debtors_overrides_check",
    });
  });
});
