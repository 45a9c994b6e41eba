import type { PlanRules, Store } from "@relance/store";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestStore, testEngines } from "../../../test/support/database";
import { type CaseWorld, failure, makeCaseWorld, refused } from "./fixtures";

const USER_MEDIATOR = { kind: "user", userId: "u-42", name: "Camille Martin" } as const;

describe.each(testEngines())("disputes on %s", (engine) => {
  let store: Store;
  beforeAll(async () => {
    store = await openTestStore(engine);
  });
  afterAll(async () => {
    await store?.close();
  });

  const open = (world: CaseWorld, overrides: Partial<Parameters<Store["openDispute"]>[1]> = {}) =>
    store.openDispute(world.tenantId, {
      invoiceId: world.invoices.I1,
      amountMinor: 2_500,
      reason: "billing_error",
      comment: "two lines are billed twice",
      createdBy: "user-1",
      ...overrides,
    });

  it("opens a dispute on part of an invoice, for the invoice's debtor and currency", async () => {
    const world = await makeCaseWorld(store);
    const dispute = await open(world, { debtorId: world.debtors.D1 });
    expect(dispute).toMatchObject({
      tenantId: world.tenantId,
      debtorId: world.debtors.D1,
      invoiceId: world.invoices.I1,
      amountMinor: 2_500,
      currency: "EUR",
      reason: "billing_error",
      comment: "two lines are billed twice",
      status: "open",
      mediator: null,
      slaDueAt: null,
      outcome: null,
      resolvedAt: null,
      createdBy: "user-1",
    });
    expect(dispute.openedAt).toBeInstanceOf(Date);
    expect(await store.getDispute(world.tenantId, dispute.id)).toEqual(dispute);
    expect(await store.listDisputes(world.tenantId, { debtorId: world.debtors.D1 })).toEqual([dispute]);
    expect(await store.listDisputes(world.tenantId, { debtorId: world.debtors.D2 })).toEqual([]);
    expect(await store.listDisputes(world.tenantId, { status: ["open", "in_mediation"] })).toEqual([dispute]);
    expect(await store.listDisputes(world.tenantId, { status: "upheld" })).toEqual([]);
    expect(await store.openDisputedAmounts(world.tenantId, world.debtors.D1)).toEqual({ [world.invoices.I1]: 2_500 });
    expect(await store.openDisputedAmounts(world.tenantId, world.debtors.D2)).toEqual({});
  });

  it("refuses a disputed amount above the invoice's balance, naming amountMinor, and other bad input by field", async () => {
    const world = await makeCaseWorld(store);
    // I2 has 40.00 left to pay out of 100.00.
    const tooMuch = await failure(open(world, { invoiceId: world.invoices.I2, amountMinor: 4_001 }));
    expect(tooMuch).toEqual({ code: "validation_failed", paths: ["amountMinor"] });
    await expect(open(world, { invoiceId: world.invoices.I2, amountMinor: 4_001 })).rejects.toMatchObject({
      issues: [{ path: "amountMinor", message: expect.stringMatching(/balance of 4000 \(EUR minor units\)/) }],
    });
    expect(await open(world, { invoiceId: world.invoices.I2, amountMinor: 4_000 })).toMatchObject({ amountMinor: 4_000 });

    expect(await failure(open(world, { amountMinor: 0 }))).toEqual({ code: "validation_failed", paths: ["amountMinor"] });
    expect(await failure(open(world, { amountMinor: 12.5 }))).toEqual({ code: "validation_failed", paths: ["amountMinor"] });
    expect(await failure(open(world, { reason: "too_expensive" as "other", createdBy: " ", amountMinor: -1 }))).toEqual({
      code: "validation_failed",
      paths: ["amountMinor", "reason", "createdBy"],
    });
    // A paid invoice cannot be disputed; nor can an invoice be disputed under another debtor.
    expect(await failure(open(world, { invoiceId: world.invoices.I4 }))).toEqual({
      code: "validation_failed",
      paths: ["invoiceId"],
    });
    expect(await failure(open(world, { debtorId: world.debtors.D2 }))).toEqual({
      code: "validation_failed",
      paths: ["invoiceId"],
    });
    expect(await failure(open(world, { invoiceId: "00000000-0000-4000-8000-000000000000" }))).toEqual({
      code: "not_found",
      paths: [],
    });
    expect(await failure(open(world, { invoiceId: "I1" }))).toEqual({ code: "not_found", paths: [] });
    expect(await store.listDisputes(world.tenantId, { invoiceId: world.invoices.I1 })).toEqual([]);
  });

  it("allows one open dispute per invoice; a resolved one no longer counts", async () => {
    const world = await makeCaseWorld(store);
    const first = await open(world);
    await expect(open(world, { amountMinor: 100 })).rejects.toMatchObject({ code: "conflict" });
    // Another invoice of the same debtor is independent.
    await open(world, { invoiceId: world.invoices.I6 });
    await store.assignMediator(world.tenantId, first.id, { mediator: USER_MEDIATOR });
    await expect(open(world)).rejects.toMatchObject({ code: "conflict" });
    await store.resolveDispute(world.tenantId, first.id, { status: "rejected", explanation: "the lines are distinct" });
    const second = await open(world, { reason: "already_paid" });
    expect(second.id).not.toBe(first.id);
    expect(await store.openDisputedAmounts(world.tenantId, world.debtors.D1)).toEqual({
      [world.invoices.I1]: 2_500,
      [world.invoices.I6]: 2_500,
    });
  });

  it("lets exactly one of concurrent openDispute calls on the same invoice win; the others get a conflict", async () => {
    const world = await makeCaseWorld(store);
    const results = await Promise.allSettled(
      Array.from({ length: 5 }, (_, index) => open(world, { amountMinor: 1_000 + index })),
    );
    const won = results.filter((result) => result.status === "fulfilled");
    const lost = results.filter((result): result is PromiseRejectedResult => result.status === "rejected");
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(4);
    for (const result of lost) expect(result.reason).toMatchObject({ code: "conflict" });
    expect(await store.listDisputes(world.tenantId, { invoiceId: world.invoices.I1 })).toHaveLength(1);
  });

  it("keeps a caller's transaction usable after a conflicting openDispute", async () => {
    const world = await makeCaseWorld(store);
    await open(world);
    const count = await store.transaction(async (tx) => {
      await expect(
        tx.openDispute(world.tenantId, { invoiceId: world.invoices.I1, amountMinor: 1, reason: "other", createdBy: "u" }),
      ).rejects.toMatchObject({ code: "conflict" });
      return (await tx.listDisputes(world.tenantId)).length;
    });
    expect(count).toBe(1);
  });

  it("moves through mediation to a resolution, and refuses to resolve a resolved dispute", async () => {
    const world = await makeCaseWorld(store);
    const dispute = await open(world, { amountMinor: 3_000 });
    const due = new Date("2024-04-15T09:00:00.000Z");
    const mediated = await store.assignMediator(world.tenantId, dispute.id, { mediator: USER_MEDIATOR, slaDueAt: due });
    expect(mediated).toMatchObject({ status: "in_mediation", mediator: USER_MEDIATOR, slaDueAt: due });
    // Reassigning keeps the SLA unless a new one is given.
    const external = { kind: "external", name: "Médiateur CMAP", email: "mediation@example.test" } as const;
    expect(await store.assignMediator(world.tenantId, dispute.id, { mediator: external })).toMatchObject({
      status: "in_mediation",
      mediator: external,
      slaDueAt: due,
    });
    expect(await store.openDisputedAmounts(world.tenantId, world.debtors.D1)).toEqual({ [world.invoices.I1]: 3_000 });

    expect(
      await failure(
        store.resolveDispute(world.tenantId, dispute.id, { status: "partly_upheld", upheldMinor: 3_000, explanation: "x" }),
      ),
    ).toEqual({ code: "validation_failed", paths: ["upheldMinor"] });
    expect(
      await failure(
        store.resolveDispute(world.tenantId, dispute.id, { status: "partly_upheld", upheldMinor: 0, explanation: "x" }),
      ),
    ).toEqual({ code: "validation_failed", paths: ["upheldMinor"] });
    expect(await failure(store.resolveDispute(world.tenantId, dispute.id, { status: "rejected", explanation: "" }))).toEqual({
      code: "validation_failed",
      paths: ["explanation"],
    });
    expect(await failure(store.resolveDispute(world.tenantId, dispute.id, { status: "open" as "upheld" }))).toEqual({
      code: "validation_failed",
      paths: ["status"],
    });

    const resolvedAt = new Date("2024-04-10T10:00:00.000Z");
    const resolved = await store.resolveDispute(
      world.tenantId,
      dispute.id,
      { status: "partly_upheld", upheldMinor: 1_200, explanation: "one line was billed twice" },
      { resolvedAt },
    );
    expect(resolved).toMatchObject({
      status: "partly_upheld",
      outcome: { upheldMinor: 1_200, explanation: "one line was billed twice" },
      resolvedAt,
    });
    expect(await store.openDisputedAmounts(world.tenantId, world.debtors.D1)).toEqual({});
    await expect(store.resolveDispute(world.tenantId, dispute.id, { status: "upheld" })).rejects.toMatchObject({
      code: "conflict",
    });
    await expect(
      store.resolveDispute(world.tenantId, dispute.id, { status: "partly_upheld", upheldMinor: 1_200, explanation: "again" }),
    ).rejects.toMatchObject({ code: "conflict" });
    await expect(store.assignMediator(world.tenantId, dispute.id, { mediator: USER_MEDIATOR })).rejects.toMatchObject({
      code: "conflict",
    });
    expect(await store.getDispute(world.tenantId, dispute.id)).toEqual(resolved);
  });

  it("records what each resolution concedes", async () => {
    const world = await makeCaseWorld(store);
    const cases = [
      [{ status: "upheld" }, { upheldMinor: 2_500, explanation: "" }],
      [
        { status: "rejected", explanation: "delivered as ordered" },
        { upheldMinor: 0, explanation: "delivered as ordered" },
      ],
      [
        { status: "escalated", explanation: "legal review" },
        { upheldMinor: 0, explanation: "legal review" },
      ],
      [{ status: "withdrawn" }, { upheldMinor: 0, explanation: "" }],
    ] as const;
    for (const [resolution, outcome] of cases) {
      const dispute = await open(world);
      const resolved = await store.resolveDispute(world.tenantId, dispute.id, resolution);
      expect(resolved).toMatchObject({ status: resolution.status, outcome });
      expect(resolved.resolvedAt).toBeInstanceOf(Date);
    }
    expect((await store.listDisputes(world.tenantId)).map((item) => item.status)).toEqual([
      "upheld",
      "rejected",
      "escalated",
      "withdrawn",
    ]);
  });

  it("validates the mediator field by field", async () => {
    const world = await makeCaseWorld(store);
    const dispute = await open(world);
    const assign = (mediator: unknown) =>
      failure(store.assignMediator(world.tenantId, dispute.id, { mediator: mediator as typeof USER_MEDIATOR }));
    expect(await assign({ kind: "user", userId: "", name: "A" })).toEqual({
      code: "validation_failed",
      paths: ["mediator.userId"],
    });
    expect(await assign({ kind: "external", name: "A", email: "not an email" })).toEqual({
      code: "validation_failed",
      paths: ["mediator.email"],
    });
    expect(await assign({ kind: "robot", name: "A" })).toEqual({ code: "validation_failed", paths: ["mediator.kind"] });
    expect(await assign({ kind: "user", userId: "u", name: "A", phone: "1" })).toEqual({
      code: "validation_failed",
      paths: ["mediator.phone"],
    });
    expect(await assign(null)).toEqual({ code: "validation_failed", paths: ["mediator"] });
    expect((await store.getDispute(world.tenantId, dispute.id))?.status).toBe("open");
    expect(await failure(store.assignMediator(world.tenantId, "nope", { mediator: USER_MEDIATOR }))).toEqual({
      code: "not_found",
      paths: [],
    });
  });

  it("never lets one tenant read, mediate or resolve another tenant's dispute", async () => {
    const a = await makeCaseWorld(store, "Alpha");
    const b = await makeCaseWorld(store, "Beta");
    const dispute = await open(a);
    expect(await store.getDispute(b.tenantId, dispute.id)).toBeUndefined();
    expect(await store.listDisputes(b.tenantId)).toEqual([]);
    expect(await store.listDisputes(b.tenantId, { debtorId: a.debtors.D1 })).toEqual([]);
    expect(await store.openDisputedAmounts(b.tenantId, a.debtors.D1)).toEqual({});
    await expect(store.assignMediator(b.tenantId, dispute.id, { mediator: USER_MEDIATOR })).rejects.toMatchObject({
      code: "not_found",
    });
    await expect(store.resolveDispute(b.tenantId, dispute.id, { status: "upheld" })).rejects.toMatchObject({ code: "not_found" });
    // Tenant B cannot open a dispute on tenant A's invoice.
    await expect(open(b, { invoiceId: a.invoices.I1, amountMinor: 1 })).rejects.toMatchObject({ code: "not_found" });
    expect(await store.getDispute(a.tenantId, dispute.id)).toMatchObject({ status: "open", mediator: null });
  });

  it("enforces its rules in the database too", async () => {
    const world = await makeCaseWorld(store);
    const other = await makeCaseWorld(store, "Other");
    const insert = (values: Record<string, unknown>) => {
      const row = {
        tenant_id: world.tenantId,
        debtor_id: world.debtors.D1,
        invoice_id: world.invoices.I1,
        amount_minor: 100,
        currency: "EUR",
        reason: "other",
        status: "open",
        created_by: "sql",
        resolved_at: null,
        outcome: null,
        mediator: null,
        ...values,
      };
      return sql`INSERT INTO disputes (tenant_id, debtor_id, invoice_id, amount_minor, currency, reason, status, created_by,
        resolved_at, outcome, mediator)
        VALUES (${row.tenant_id}, ${row.debtor_id}, ${row.invoice_id}, ${row.amount_minor}, ${row.currency}, ${row.reason},
        ${row.status}, ${row.created_by}, ${row.resolved_at}, ${row.outcome}, ${row.mediator})`.execute(store.db);
    };
    expect(await refused(insert({ amount_minor: 0 }))).toEqual({ code: "23514", constraint: "disputes_amount_minor_check" });
    expect(await refused(insert({ reason: "bogus" }))).toEqual({ code: "23514", constraint: "disputes_reason_check" });
    const resolved = { resolved_at: new Date(), outcome: JSON.stringify({ upheldMinor: 0, explanation: "" }) };
    expect(await refused(insert({ status: "closed", ...resolved }))).toEqual({
      code: "23514",
      constraint: "disputes_status_check",
    });
    expect(await refused(insert({ currency: "eur" }))).toEqual({ code: "23514", constraint: "disputes_currency_check" });
    expect(await refused(insert({ status: "upheld" }))).toEqual({ code: "23514", constraint: "disputes_resolution_check" });
    expect(await refused(insert({ resolved_at: new Date() }))).toEqual({
      code: "23514",
      constraint: "disputes_resolution_check",
    });
    expect(await refused(insert({ status: "in_mediation" }))).toEqual({
      code: "23514",
      constraint: "disputes_mediator_required_check",
    });
    // Composite foreign keys: another tenant's invoice or debtor cannot be referenced.
    expect((await refused(insert({ invoice_id: other.invoices.I1 }))).code).toBe("23503");
    expect((await refused(insert({ debtor_id: other.debtors.D1 }))).code).toBe("23503");
    await insert({});
    expect(await refused(insert({ status: "in_mediation", mediator: JSON.stringify(USER_MEDIATOR) }))).toEqual({
      code: "23505",
      constraint: "disputes_one_open_per_invoice",
    });
    await insert({ status: "upheld", ...resolved });
  });
});

describe.each(testEngines())("promises to pay on %s", (engine) => {
  let store: Store;
  beforeAll(async () => {
    store = await openTestStore(engine);
  });
  afterAll(async () => {
    await store?.close();
  });

  const promise = (world: CaseWorld, overrides: Partial<Parameters<Store["createPromise"]>[1]> = {}) =>
    store.createPromise(world.tenantId, {
      debtorId: world.debtors.D1,
      promisedDate: "2024-03-15",
      amountMinor: 14_000,
      currency: "EUR",
      invoiceIds: [world.invoices.I1, world.invoices.I2],
      source: "phone",
      ...overrides,
    });

  it("records a promise with the covered invoices' balances as its baseline", async () => {
    const world = await makeCaseWorld(store);
    const created = await promise(world);
    expect(created).toMatchObject({
      tenantId: world.tenantId,
      debtorId: world.debtors.D1,
      promisedDate: "2024-03-15",
      amountMinor: 14_000,
      currency: "EUR",
      invoiceIds: [world.invoices.I1, world.invoices.I2],
      baseline: { [world.invoices.I1]: 10_000, [world.invoices.I2]: 4_000 },
      status: "open",
      source: "phone",
      settledAt: null,
    });
    expect(await store.getPromise(world.tenantId, created.id)).toEqual(created);
    expect(await store.getOpenPromise(world.tenantId, world.debtors.D1)).toEqual(created);
    expect(await store.getOpenPromise(world.tenantId, world.debtors.D2)).toBeUndefined();
    expect(await store.listPromises(world.tenantId, { debtorId: world.debtors.D1 })).toEqual([created]);
  });

  it("validates each field and each covered invoice by path", async () => {
    const world = await makeCaseWorld(store);
    expect(
      await failure(promise(world, { promisedDate: "2024-02-30", amountMinor: 0, currency: "EURO", source: "fax" as "api" })),
    ).toEqual({ code: "validation_failed", paths: ["promisedDate", "amountMinor", "currency", "source"] });
    expect(await failure(promise(world, { invoiceIds: [] }))).toEqual({ code: "validation_failed", paths: ["invoiceIds"] });
    expect(await failure(promise(world, { invoiceIds: [world.invoices.I1, world.invoices.I1] }))).toEqual({
      code: "validation_failed",
      paths: ["invoiceIds[1]"],
    });
    // I5 is D2's, I3 is in USD, I4 is paid.
    expect(
      await failure(promise(world, { invoiceIds: [world.invoices.I1, world.invoices.I5, world.invoices.I3, world.invoices.I4] })),
    ).toEqual({ code: "validation_failed", paths: ["invoiceIds[1]", "invoiceIds[2]", "invoiceIds[3]"] });
    expect(await failure(promise(world, { amountMinor: 14_001 }))).toEqual({ code: "validation_failed", paths: ["amountMinor"] });
    expect(await failure(promise(world, { debtorId: "00000000-0000-4000-8000-000000000000" }))).toEqual({
      code: "not_found",
      paths: [],
    });
    expect(await store.listPromises(world.tenantId)).toEqual([]);
  });

  it("allows one open promise per debtor, even under concurrent calls", async () => {
    const world = await makeCaseWorld(store);
    const results = await Promise.allSettled(Array.from({ length: 4 }, () => promise(world)));
    expect(results.filter((result) => result.status === "fulfilled")).toHaveLength(1);
    for (const result of results) {
      if (result.status === "rejected") expect(result.reason).toMatchObject({ code: "conflict" });
    }
    // Another debtor is independent.
    await promise(world, { debtorId: world.debtors.D2, invoiceIds: [world.invoices.I5], amountMinor: 500 });
    const [first] = await store.listPromises(world.tenantId, { debtorId: world.debtors.D1 });
    await store.settlePromise(world.tenantId, first?.id ?? "", "broken");
    const next = await promise(world, { promisedDate: "2024-03-30" });
    expect(next.status).toBe("open");
  });

  it("settles an open promise once and counts kept and broken ones", async () => {
    const world = await makeCaseWorld(store);
    expect(await store.promiseCounts(world.tenantId, world.debtors.D1)).toEqual({ kept: 0, broken: 0 });
    const settledAt = new Date("2024-03-16T08:00:00.000Z");
    const p1 = await promise(world);
    expect(await store.settlePromise(world.tenantId, p1.id, "kept", { settledAt })).toMatchObject({ status: "kept", settledAt });
    await expect(store.settlePromise(world.tenantId, p1.id, "broken")).rejects.toMatchObject({ code: "conflict" });
    await expect(store.settlePromise(world.tenantId, p1.id, "kept")).rejects.toMatchObject({ code: "conflict" });
    const p2 = await promise(world);
    await store.settlePromise(world.tenantId, p2.id, "broken");
    const p3 = await promise(world);
    await store.settlePromise(world.tenantId, p3.id, "broken");
    const p4 = await promise(world);
    await store.settlePromise(world.tenantId, p4.id, "cancelled");
    await promise(world);
    expect(await store.promiseCounts(world.tenantId, world.debtors.D1)).toEqual({ kept: 1, broken: 2 });
    expect((await store.listPromises(world.tenantId, { status: "broken" })).map((item) => item.id)).toEqual([p2.id, p3.id]);
    expect(await failure(store.settlePromise(world.tenantId, p1.id, "open" as "kept"))).toEqual({
      code: "validation_failed",
      paths: ["status"],
    });
    expect(await failure(store.settlePromise(world.tenantId, "00000000-0000-4000-8000-000000000000", "kept"))).toEqual({
      code: "not_found",
      paths: [],
    });
  });

  it("never lets one tenant read or settle another tenant's promise", async () => {
    const a = await makeCaseWorld(store, "Alpha");
    const b = await makeCaseWorld(store, "Beta");
    const created = await promise(a);
    expect(await store.getPromise(b.tenantId, created.id)).toBeUndefined();
    expect(await store.getOpenPromise(b.tenantId, a.debtors.D1)).toBeUndefined();
    expect(await store.listPromises(b.tenantId)).toEqual([]);
    expect(await store.promiseCounts(b.tenantId, a.debtors.D1)).toEqual({ kept: 0, broken: 0 });
    await expect(store.settlePromise(b.tenantId, created.id, "kept")).rejects.toMatchObject({ code: "not_found" });
    await expect(promise(b, { debtorId: a.debtors.D1 })).rejects.toMatchObject({ code: "not_found" });
    // Tenant B's own debtor cannot cover tenant A's invoices.
    expect(await failure(promise(b, { invoiceIds: [a.invoices.I1] }))).toEqual({
      code: "validation_failed",
      paths: ["invoiceIds[0]"],
    });
    expect((await store.getPromise(a.tenantId, created.id))?.status).toBe("open");
  });

  it("enforces its rules in the database too", async () => {
    const world = await makeCaseWorld(store);
    const insert = (values: Record<string, unknown>) => {
      const row = {
        amount_minor: 100,
        status: "open",
        source: "api",
        settled_at: null,
        invoice_ids: "[]",
        baseline: "{}",
        ...values,
      };
      return sql`INSERT INTO promises_to_pay (tenant_id, debtor_id, promised_date, amount_minor, currency, invoice_ids, baseline,
        status, source, settled_at)
        VALUES (${world.tenantId}, ${world.debtors.D1}, '2024-03-01', ${row.amount_minor}, 'EUR', ${row.invoice_ids}::jsonb,
        ${row.baseline}::jsonb, ${row.status}, ${row.source}, ${row.settled_at})`.execute(store.db);
    };
    expect(await refused(insert({ amount_minor: -5 }))).toMatchObject({ code: "23514" });
    expect(await refused(insert({ status: "late" }))).toMatchObject({ code: "23514" });
    expect(await refused(insert({ source: "fax" }))).toMatchObject({ code: "23514" });
    expect(await refused(insert({ status: "kept" }))).toEqual({ code: "23514", constraint: "promises_to_pay_settled_check" });
    expect(await refused(insert({ invoice_ids: "{}" }))).toMatchObject({ code: "23514" });
    await insert({});
    expect(await refused(insert({}))).toEqual({ code: "23505", constraint: "promises_to_pay_one_open_per_debtor" });
  });
});

describe.each(testEngines())("payment plans on %s", (engine) => {
  let store: Store;
  beforeAll(async () => {
    store = await openTestStore(engine);
  });
  afterAll(async () => {
    await store?.close();
  });

  const RULES: PlanRules = { maxInstalments: 4, minInstalmentMinor: { EUR: 2_000 }, today: "2024-03-01" };
  const instalments = [
    { dueDate: "2024-03-01", amountMinor: 5_000 },
    { dueDate: "2024-04-01", amountMinor: 5_000 },
    { dueDate: "2024-05-01", amountMinor: 4_000 },
  ];
  const plan = (world: CaseWorld, overrides: Partial<Parameters<Store["createPlan"]>[1]> = {}, rules: PlanRules = RULES) =>
    store.createPlan(
      world.tenantId,
      {
        debtorId: world.debtors.D1,
        currency: "EUR",
        totalMinor: 14_000,
        invoiceIds: [world.invoices.I1, world.invoices.I2],
        instalments,
        ...overrides,
      },
      rules,
    );

  it("creates an active plan with numbered instalments", async () => {
    const world = await makeCaseWorld(store);
    const created = await plan(world);
    expect(created).toMatchObject({
      tenantId: world.tenantId,
      debtorId: world.debtors.D1,
      currency: "EUR",
      totalMinor: 14_000,
      invoiceIds: [world.invoices.I1, world.invoices.I2],
      status: "active",
      endedAt: null,
    });
    expect(created.instalments.map(({ seq, dueDate, amountMinor, status }) => ({ seq, dueDate, amountMinor, status }))).toEqual([
      { seq: 1, dueDate: "2024-03-01", amountMinor: 5_000, status: "due" },
      { seq: 2, dueDate: "2024-04-01", amountMinor: 5_000, status: "due" },
      { seq: 3, dueDate: "2024-05-01", amountMinor: 4_000, status: "due" },
    ]);
    expect(await store.getActivePlan(world.tenantId, world.debtors.D1)).toEqual(created);
    expect(await store.getPlan(world.tenantId, created.id)).toEqual(created);
    expect(await store.getActivePlan(world.tenantId, world.debtors.D2)).toBeUndefined();
  });

  it("names the field path of every rule a plan breaks", async () => {
    const world = await makeCaseWorld(store);
    const check = async (overrides: Partial<Parameters<Store["createPlan"]>[1]>, rules: PlanRules = RULES) =>
      failure(plan(world, overrides, rules));
    // Not sorted by date.
    expect(
      await check({
        instalments: [
          { dueDate: "2024-04-01", amountMinor: 5_000 },
          { dueDate: "2024-03-15", amountMinor: 5_000 },
          { dueDate: "2024-05-01", amountMinor: 4_000 },
        ],
      }),
    ).toEqual({ code: "validation_failed", paths: ["instalments[1].dueDate"] });
    // Two instalments on the same date.
    expect(
      await check({
        instalments: [
          { dueDate: "2024-03-01", amountMinor: 5_000 },
          { dueDate: "2024-04-01", amountMinor: 5_000 },
          { dueDate: "2024-04-01", amountMinor: 4_000 },
        ],
      }),
    ).toEqual({ code: "validation_failed", paths: ["instalments[2].dueDate"] });
    // The amounts do not add up to the total.
    expect(await check({ totalMinor: 13_000 })).toEqual({ code: "validation_failed", paths: ["totalMinor"] });
    // Too many instalments for the policy.
    expect(await check({}, { ...RULES, maxInstalments: 2 })).toEqual({ code: "validation_failed", paths: ["instalments"] });
    // Below the minimum for the currency.
    expect(
      await check({
        instalments: [
          { dueDate: "2024-03-01", amountMinor: 6_000 },
          { dueDate: "2024-04-01", amountMinor: 6_500 },
          { dueDate: "2024-05-01", amountMinor: 1_500 },
        ],
      }),
    ).toEqual({ code: "validation_failed", paths: ["instalments[2].amountMinor"] });
    // The first date is in the past.
    expect(await check({}, { ...RULES, today: "2024-03-02" })).toEqual({
      code: "validation_failed",
      paths: ["instalments[0].dueDate"],
    });
    // Not amounts or dates at all, and several problems at once.
    expect(
      await check({
        currency: "XXX1",
        instalments: [
          { dueDate: "2024-03-01", amountMinor: 0 },
          { dueDate: "tomorrow", amountMinor: 14_000.5 },
        ],
      }),
    ).toEqual({
      code: "validation_failed",
      paths: ["currency", "instalments[0].amountMinor", "instalments[1].amountMinor", "instalments[1].dueDate"],
    });
    expect(await check({ instalments: [] })).toEqual({ code: "validation_failed", paths: ["instalments"] });
    // The covered invoices: another debtor's, in another currency; a total above what they owe.
    expect(await check({ invoiceIds: [world.invoices.I5, world.invoices.I3] })).toEqual({
      code: "validation_failed",
      paths: ["invoiceIds[0]", "invoiceIds[1]"],
    });
    expect(
      await check({
        invoiceIds: [world.invoices.I2],
        totalMinor: 14_000,
      }),
    ).toEqual({ code: "validation_failed", paths: ["totalMinor"] });
    // A currency without a minimum has none.
    expect(
      await plan(world, {
        currency: "USD",
        invoiceIds: [world.invoices.I3],
        totalMinor: 300,
        instalments: [
          { dueDate: "2024-03-01", amountMinor: 100 },
          { dueDate: "2024-03-02", amountMinor: 200 },
        ],
      }),
    ).toMatchObject({ status: "active", totalMinor: 300 });
    // Bad rules are the caller's mistake, reported as such.
    expect(await check({}, { ...RULES, maxInstalments: 0, today: "2024-3-1" })).toEqual({
      code: "validation_failed",
      paths: ["rules.maxInstalments", "rules.today"],
    });
  });

  it("allows one active plan per debtor, even under concurrent calls", async () => {
    const world = await makeCaseWorld(store);
    const results = await Promise.allSettled(Array.from({ length: 4 }, () => plan(world)));
    expect(results.filter((result) => result.status === "fulfilled")).toHaveLength(1);
    for (const result of results) {
      if (result.status === "rejected") expect(result.reason).toMatchObject({ code: "conflict" });
    }
    const { rows } = await sql<{ count: number }>`
      SELECT count(*) AS count FROM plan_instalments WHERE tenant_id = ${world.tenantId}`.execute(store.db);
    expect(rows[0]?.count).toBe(3);
    const active = await store.getActivePlan(world.tenantId, world.debtors.D1);
    await store.endPlan(world.tenantId, active?.id ?? "", "cancelled");
    expect((await plan(world)).status).toBe("active");
  });

  it("marks instalments and ends the plan, refusing changes that do not follow", async () => {
    const world = await makeCaseWorld(store);
    const created = await plan(world);
    const afterFirst = await store.markInstalment(world.tenantId, created.id, 1, "paid");
    expect(afterFirst.instalments.map((item) => item.status)).toEqual(["paid", "due", "due"]);
    await expect(store.markInstalment(world.tenantId, created.id, 1, "paid")).rejects.toMatchObject({ code: "conflict" });
    await expect(store.markInstalment(world.tenantId, created.id, 1, "missed")).rejects.toMatchObject({ code: "conflict" });
    await store.markInstalment(world.tenantId, created.id, 2, "missed");
    await expect(store.markInstalment(world.tenantId, created.id, 2, "missed")).rejects.toMatchObject({ code: "conflict" });
    // Paid late.
    const late = await store.markInstalment(world.tenantId, created.id, 2, "paid");
    expect(late.instalments.map((item) => item.status)).toEqual(["paid", "paid", "due"]);
    await expect(store.markInstalment(world.tenantId, created.id, 4, "paid")).rejects.toMatchObject({ code: "not_found" });
    expect(await failure(store.markInstalment(world.tenantId, created.id, 0, "due" as "paid"))).toEqual({
      code: "validation_failed",
      paths: ["seq", "status"],
    });
    const endedAt = new Date("2024-05-02T00:00:00.000Z");
    const ended = await store.endPlan(world.tenantId, created.id, "completed", { endedAt });
    expect(ended).toMatchObject({ status: "completed", endedAt });
    await expect(store.endPlan(world.tenantId, created.id, "broken")).rejects.toMatchObject({ code: "conflict" });
    await expect(store.markInstalment(world.tenantId, created.id, 3, "paid")).rejects.toMatchObject({ code: "conflict" });
    expect(await store.getActivePlan(world.tenantId, world.debtors.D1)).toBeUndefined();
    expect(await store.getPlan(world.tenantId, created.id)).toEqual(ended);
  });

  it("never lets one tenant read or change another tenant's plan", async () => {
    const a = await makeCaseWorld(store, "Alpha");
    const b = await makeCaseWorld(store, "Beta");
    const created = await plan(a);
    expect(await store.getPlan(b.tenantId, created.id)).toBeUndefined();
    expect(await store.getActivePlan(b.tenantId, a.debtors.D1)).toBeUndefined();
    await expect(store.markInstalment(b.tenantId, created.id, 1, "paid")).rejects.toMatchObject({ code: "not_found" });
    await expect(store.endPlan(b.tenantId, created.id, "cancelled")).rejects.toMatchObject({ code: "not_found" });
    await expect(plan(b, { debtorId: a.debtors.D1 })).rejects.toMatchObject({ code: "not_found" });
    expect(await store.getPlan(a.tenantId, created.id)).toEqual(created);
  });

  it("enforces its rules in the database too", async () => {
    const world = await makeCaseWorld(store);
    const other = await makeCaseWorld(store, "Other");
    const created = await plan(world);
    const insert = (values: Record<string, unknown>) => {
      const row = { tenant_id: world.tenantId, seq: 9, amount_minor: 100, status: "due", ...values };
      return sql`INSERT INTO plan_instalments (tenant_id, plan_id, seq, due_date, amount_minor, status)
        VALUES (${row.tenant_id}, ${created.id}, ${row.seq}, '2024-09-01', ${row.amount_minor}, ${row.status})`.execute(store.db);
    };
    expect(await refused(insert({ seq: 1 }))).toEqual({ code: "23505", constraint: "plan_instalments_pkey" });
    expect(await refused(insert({ amount_minor: 0 }))).toMatchObject({ code: "23514" });
    expect(await refused(insert({ seq: 0 }))).toMatchObject({ code: "23514" });
    expect(await refused(insert({ status: "late" }))).toMatchObject({ code: "23514" });
    expect((await refused(insert({ tenant_id: other.tenantId }))).code).toBe("23503");
    expect(
      await refused(
        sql`INSERT INTO payment_plans (tenant_id, debtor_id, currency, total_minor, invoice_ids)
        VALUES (${world.tenantId}, ${world.debtors.D1}, 'EUR', 100, '[]')`.execute(store.db),
      ),
    ).toEqual({ code: "23505", constraint: "payment_plans_one_active_per_debtor" });
    expect(
      await refused(
        sql`INSERT INTO payment_plans (tenant_id, debtor_id, currency, total_minor, invoice_ids, status)
        VALUES (${world.tenantId}, ${world.debtors.D1}, 'EUR', 100, '[]', 'completed')`.execute(store.db),
      ),
    ).toEqual({ code: "23514", constraint: "payment_plans_ended_check" });
  });
});
