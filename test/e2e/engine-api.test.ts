/**
 * The escalation engine's API against the real system: the case view; pause and resume; disputes (open,
 * mediate, resolve) with the case's own refusals as 422/409 on the field; promises and payment plans;
 * tasks; the debtor's profile; versioned policies (save, validate JSON and YAML, migrate a case); tenant
 * isolation and keys. One system for the whole file; policy days last a second.
 */
import { randomUUID } from "node:crypto";
import { addDays } from "@relance/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Loose, readJson } from "../support/json";
import { ledgerCsv } from "../support/ledger";
import { eventually, type System, startSystem } from "../support/system";

const json = (method: string, body: unknown): RequestInit => ({
  method,
  headers: { "content-type": "application/json" },
  body: JSON.stringify(body),
});

const customPolicy = {
  key: "custom-ladder",
  name: "Custom ladder",
  languages: ["en"],
  steps: [
    { id: "nudge", offsetDays: 1, action: "email", template: "first-reminder" },
    { id: "call", offsetDays: 10, action: "phone_task" },
    { id: "firm", offsetDays: 20, action: "email", template: "second-reminder" },
  ],
};

describe("the escalation engine's API", () => {
  let system: System;
  let other: { id: string; apiKey: string };
  const debtors = new Map<string, string>();
  const invoices = new Map<string, string>();

  const caseOf = async (debtor: string): Promise<Loose> =>
    readJson(await system.request(`/v1/debtors/${debtors.get(debtor)}/case`));
  const post = (path: string, body: unknown, apiKey?: string) =>
    system.request(path, { ...json("POST", body), ...(apiKey ? { apiKey } : {}) });
  const expectProblem = async (response: Response, status: number, path?: string): Promise<Loose> => {
    const body = await readJson(response);
    expect(response.status, JSON.stringify(body)).toBe(status);
    expect(response.headers.get("content-type")).toBe("application/problem+json");
    if (path !== undefined) expect(body.errors?.map((error: { path?: string }) => error.path)).toContain(path);
    return body;
  };

  beforeAll(async () => {
    system = await startSystem({ engine: "pglite", dayMs: 1000, channel: "outbox" });
    other = await system.createTenant("other");
    const rows = [
      { debtor: "DSP", invoice: "DSP-1", amount: "100.00", dueInDays: 40 },
      { debtor: "DSP", invoice: "DSP-2", amount: "50.00", dueInDays: 45 },
      { debtor: "PRM", invoice: "PRM-1", amount: "200.00", dueInDays: 40 },
      { debtor: "PLN", invoice: "PLN-1", amount: "300.00", dueInDays: 40 },
      { debtor: "TSK", invoice: "TSK-1", amount: "10.00", dueInDays: 40 },
      { debtor: "PRF", invoice: "PRF-1", amount: "20.00", dueInDays: 40 },
      { debtor: "MIG", invoice: "MIG-1", amount: "30.00", dueInDays: 40 },
      { debtor: "PAID", invoice: "PAID-1", amount: "10.00", due: "0.00", dueInDays: -5 },
    ];
    expect((await system.importCsv(ledgerCsv(rows))).status).toBe(201);
    for (const debtor of (await readJson(await system.request("/v1/debtors?limit=50"))).items) {
      debtors.set(debtor.externalId, debtor.id);
    }
    for (const invoice of (await readJson(await system.request("/v1/invoices?limit=50"))).items) {
      invoices.set(invoice.number, invoice.id);
    }
    for (const debtor of ["DSP", "PRM", "PLN", "TSK", "PRF", "MIG"]) {
      await eventually(`the case of ${debtor}`, async () => ((await caseOf(debtor)).state === "open" ? true : undefined));
    }
  });
  afterAll(async () => {
    await system?.close();
  });

  it("refuses every engine route without a key", async () => {
    const id = debtors.get("DSP");
    for (const [path, init] of [
      [`/v1/debtors/${id}/disputes`, { method: "GET" }],
      [`/v1/debtors/${id}/disputes`, json("POST", {})],
      ["/v1/tasks", { method: "GET" }],
      ["/v1/policies", { method: "GET" }],
      ["/v1/policies/validate", json("POST", {})],
    ] as const) {
      await expectProblem(await system.request(path, { ...init, apiKey: null }), 401);
    }
  });

  it("shows the case: workflow view, balances, disputes, promise, plan, timeline", async () => {
    const view = await caseOf("DSP");
    expect(view).toMatchObject({
      debtorId: debtors.get("DSP"),
      workflowId: expect.stringContaining(system.tenant.id),
      state: "open",
      stage: "chasing",
      idleReason: null,
      paused: false,
      policy: { key: "email-3-steps", version: 1 },
      level: expect.any(Number),
      openBalances: [{ amountMinor: 15000, currency: "EUR" }],
      disputes: [],
      promise: null,
      plan: null,
      promises: { kept: 0, broken: 0 },
      timelineNextCursor: null,
    });
    expect(view.today).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(view.nextAction).toMatchObject({ kind: "step", stepId: expect.any(String), action: "email" });
    expect(Date.parse(view.nextAction.at)).not.toBeNaN();
    expect(Array.isArray(view.timeline)).toBe(true);

    const none = await readJson(await system.request(`/v1/debtors/${debtors.get("PAID")}/case`));
    expect(none).toMatchObject({ state: "none", stage: null, policy: null, level: null, nextAction: null, today: null });
  });

  it("pauses and resumes a case, which records both in its timeline; no open case is a 409", async () => {
    const id = debtors.get("PRF");
    const paused = await readJson(await post(`/v1/debtors/${id}/case/pause`, { reason: "debtor on holiday" }));
    expect(paused).toMatchObject({ state: "open", stage: "paused", paused: true, idleReason: "paused", nextAction: null });
    const notes = paused.timeline.filter((entry: Loose) => entry.status === "paused");
    expect(notes).toHaveLength(1);
    expect(notes[0].summary).toContain("debtor on holiday");
    const resumed = await system.request(`/v1/debtors/${id}/case/resume`, { method: "POST" });
    expect(resumed.status).toBe(200);
    expect(await readJson(resumed)).toMatchObject({ paused: false });
    await expectProblem(await system.request(`/v1/debtors/${debtors.get("PAID")}/case/pause`, { method: "POST" }), 409);
  });

  it("opens a dispute, refusing an amount above the balance, an unknown invoice and a second one on the invoice", async () => {
    const id = debtors.get("DSP");
    const invoiceId = invoices.get("DSP-1");
    await expectProblem(
      await post(`/v1/debtors/${id}/disputes`, { invoiceId, amountMinor: 20_000, reason: "billing_error" }),
      422,
      "amountMinor",
    );
    await expectProblem(
      await post(`/v1/debtors/${id}/disputes`, { invoiceId: randomUUID(), reason: "billing_error" }),
      422,
      "invoiceId",
    );
    await expectProblem(await post(`/v1/debtors/${id}/disputes`, { invoiceId, reason: "nope" }), 422, "reason");

    const response = await post(`/v1/debtors/${id}/disputes`, {
      invoiceId,
      amountMinor: 4000,
      reason: "billing_error",
      comment: "two items were never delivered",
    });
    expect(response.status).toBe(201);
    const created = await readJson(response);
    expect(created.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.case.disputes).toEqual([
      expect.objectContaining({ id: created.id, invoiceId, amountMinor: 4000, currency: "EUR", status: "open", mediator: null }),
    ]);
    expect(created.case.timeline.some((entry: Loose) => entry.kind === "dispute")).toBe(true);

    const list = await readJson(await system.request(`/v1/debtors/${id}/disputes`));
    expect(list.items).toEqual([
      expect.objectContaining({ id: created.id, reason: "billing_error", comment: "two items were never delivered" }),
    ]);
    await expectProblem(await post(`/v1/debtors/${id}/disputes`, { invoiceId, reason: "other" }), 409);
  });

  it("assigns a mediator and resolves a dispute; a rejection needs an explanation", async () => {
    const id = debtors.get("DSP");
    const [dispute] = (await readJson(await system.request(`/v1/debtors/${id}/disputes`))).items;
    const base = `/v1/debtors/${id}/disputes/${dispute.id}`;
    await expectProblem(await post(`${base}/mediator`, { mediator: { kind: "external", name: "X", email: "nope" } }), 422);
    const mediated = await readJson(await post(`${base}/mediator`, { mediator: { kind: "user", userId: "u-7", name: "Marie" } }));
    expect(mediated.disputes[0]).toMatchObject({
      status: "in_mediation",
      mediator: { kind: "user", userId: "u-7", name: "Marie" },
      slaDueAt: expect.any(String),
    });
    const tasks = await readJson(await system.request(`/v1/tasks?kind=mediation&debtorId=${id}`));
    expect(tasks.items).toEqual([expect.objectContaining({ kind: "mediation", assignee: "u-7", status: "open" })]);

    await expectProblem(await post(`${base}/resolve`, { outcome: "rejected" }), 422, "explanation");
    await expectProblem(await post(`${base}/resolve`, { outcome: "partly_upheld", explanation: "half" }), 422, "upheldMinor");
    const resolved = await post(`${base}/resolve`, { outcome: "rejected", explanation: "both items were signed for" });
    expect(resolved.status).toBe(200);
    expect((await readJson(resolved)).disputes[0]).toMatchObject({
      status: "rejected",
      outcome: { upheldMinor: 0, explanation: "both items were signed for" },
    });
    await expectProblem(await post(`${base}/resolve`, { outcome: "withdrawn" }), 409);
    await expectProblem(await post(`/v1/debtors/${id}/disputes/${randomUUID()}/resolve`, { outcome: "withdrawn" }), 404);
  });

  it("records a promise to pay, refusing a date in the past or more than is owed", async () => {
    const id = debtors.get("PRM");
    const { today } = await caseOf("PRM");
    await expectProblem(
      await post(`/v1/debtors/${id}/promises`, { promisedDate: addDays(today, -3), amountMinor: 5000, currency: "EUR" }),
      422,
      "promisedDate",
    );
    await expectProblem(
      await post(`/v1/debtors/${id}/promises`, { promisedDate: "2026-02-30", amountMinor: 5000, currency: "EUR" }),
      422,
      "promisedDate",
    );
    await expectProblem(
      await post(`/v1/debtors/${id}/promises`, { promisedDate: addDays(today, 30), amountMinor: 50_000, currency: "EUR" }),
      422,
      "amountMinor",
    );
    const response = await post(`/v1/debtors/${id}/promises`, {
      promisedDate: addDays(today, 30),
      amountMinor: 5000,
      currency: "EUR",
    });
    expect(response.status).toBe(201);
    const created = await readJson(response);
    expect(created.case).toMatchObject({
      stage: "promise",
      promise: { id: created.id, amountMinor: 5000, currency: "EUR", status: "open", source: "api" },
    });
    expect(created.case.timeline.some((entry: Loose) => entry.kind === "promise")).toBe(true);
  });

  it("agrees a payment plan, refusing instalments that do not add up to the balance", async () => {
    const id = debtors.get("PLN");
    const { today } = await caseOf("PLN");
    const instalments = (amounts: number[]) =>
      amounts.map((amountMinor, index) => ({ dueDate: addDays(today, 10 * (index + 1)), amountMinor }));
    await expectProblem(
      await post(`/v1/debtors/${id}/payment-plans`, { currency: "EUR", instalments: instalments([10_000, 10_000]) }),
      422,
      "instalments",
    );
    await expectProblem(await post(`/v1/debtors/${id}/payment-plans`, { currency: "EUR", instalments: [] }), 422, "instalments");
    const response = await post(`/v1/debtors/${id}/payment-plans`, {
      currency: "EUR",
      instalments: instalments([15_000, 15_000]),
    });
    expect(response.status).toBe(201);
    const created = await readJson(response);
    expect(created.case.stage).toBe("payment_plan");
    expect(created.case.plan).toMatchObject({ id: created.id, currency: "EUR", totalMinor: 30_000, status: "active" });
    expect(created.case.plan.instalments).toHaveLength(2);
  });

  it("lists tasks and completes them, through the case for a debtor's task", async () => {
    const { store } = system.runtime;
    const tenantId = system.tenant.id;
    const call = await store.createTask(tenantId, { kind: "phone_call", title: "Call TSK", debtorId: debtors.get("TSK") });
    const review = await store.createTask(tenantId, { kind: "review", title: "Check the import" });

    const open = await readJson(await system.request("/v1/tasks?status=open&limit=500"));
    expect(open.items.map((task: Loose) => task.id)).toEqual(expect.arrayContaining([call.id, review.id]));
    const calls = await readJson(await system.request("/v1/tasks?kind=phone_call"));
    expect(calls.items.map((task: Loose) => task.id)).toEqual([call.id]);
    const firstPage = await readJson(await system.request("/v1/tasks?limit=1"));
    expect(firstPage.items).toHaveLength(1);
    expect(firstPage.nextCursor).toEqual(expect.any(String));
    await expectProblem(await system.request("/v1/tasks?kind=nope"), 422, "kind");

    await expectProblem(await post(`/v1/tasks/${call.id}/outcome`, { outcome: "maybe" }), 422, "outcome");
    const done = await readJson(await post(`/v1/tasks/${call.id}/outcome`, { outcome: "reached", note: "will pay Friday" }));
    expect(done.task).toMatchObject({ id: call.id, status: "done", outcome: "reached", outcomeNote: "will pay Friday" });
    expect(done.case).toMatchObject({ debtorId: debtors.get("TSK"), state: "open" });
    expect(done.case.timeline.some((entry: Loose) => entry.kind === "task" && entry.status === "reached")).toBe(true);
    await expectProblem(await post(`/v1/tasks/${call.id}/outcome`, { outcome: "reached" }), 409);

    const reviewed = await readJson(await post(`/v1/tasks/${review.id}/outcome`, { outcome: "done" }));
    expect(reviewed).toMatchObject({ task: { id: review.id, status: "done", outcome: null }, case: null });
    await expectProblem(await post(`/v1/tasks/${randomUUID()}/outcome`, { outcome: "done" }), 404);
  });

  it("sets the debtor's segments and overrides, refusing a bad override by its path", async () => {
    const id = debtors.get("PRF");
    const profile = `/v1/debtors/${id}/profile`;
    await expectProblem(
      await system.request(profile, json("PUT", { overrides: { optOuts: ["fax"] } })),
      422,
      "overrides.optOuts[0]",
    );
    await expectProblem(await system.request(profile, json("PUT", { overrides: { colour: "red" } })), 422, "overrides.colour");
    await expectProblem(await system.request(profile, json("PUT", { segments: ["Not A Slug"] })), 422, "segments[0]");
    const response = await system.request(
      profile,
      json("PUT", { segments: ["vip", "vip"], overrides: { preferredChannel: "email", optOuts: ["phone"] } }),
    );
    expect(response.status).toBe(200);
    const body = await readJson(response);
    expect(body.case).toMatchObject({ debtorId: id, state: "open" });
    expect(body.case.timeline.some((entry: Loose) => entry.status === "profile_changed")).toBe(true);
    const debtor = await system.runtime.store.getDebtor(system.tenant.id, id ?? "");
    expect(debtor?.tags).toEqual(["vip"]);
    expect(await system.runtime.store.getDebtorOverrides(system.tenant.id, id ?? "")).toEqual({
      preferredChannel: "email",
      optOuts: ["phone"],
    });
  });

  it("lists, versions and saves policies, refusing a bad one by its path", async () => {
    const listed = await readJson(await system.request("/v1/policies"));
    expect(listed.items.map((item: Loose) => item.key)).toContain("email-3-steps");
    expect(listed.items[0]).toMatchObject({ version: expect.any(Number), name: expect.any(String), policy: expect.any(Object) });

    const put = (body: unknown, key = "custom-ladder") => system.request(`/v1/policies/${key}`, json("PUT", body));
    const first = await put(customPolicy);
    expect(first.status).toBe(201);
    expect(await readJson(first)).toMatchObject({ key: "custom-ladder", version: 1, name: "Custom ladder" });
    const again = await put(customPolicy);
    expect(again.status).toBe(200);
    expect((await readJson(again)).version).toBe(1);
    const renamed = await put({ ...customPolicy, name: "Custom ladder, renamed" });
    expect(renamed.status).toBe(201);
    expect((await readJson(renamed)).version).toBe(2);

    const versions = await readJson(await system.request("/v1/policies/custom-ladder/versions"));
    expect(versions.items.map((item: Loose) => item.version)).toEqual([1, 2]);
    const one = await readJson(await system.request("/v1/policies/custom-ladder/versions/1"));
    expect(one).toMatchObject({ key: "custom-ladder", version: 1, policy: { key: "custom-ladder", steps: expect.any(Array) } });
    await expectProblem(await system.request("/v1/policies/custom-ladder/versions/9"), 404);
    await expectProblem(await system.request("/v1/policies/nope/versions"), 404);

    const badStep = { ...customPolicy, steps: [customPolicy.steps[0], { ...customPolicy.steps[1], offsetDays: -1 }] };
    await expectProblem(await put(badStep), 422, "steps[1].offsetDays");
    await expectProblem(await put(customPolicy, "another-key"), 422, "key");
  });

  it("validates a policy as JSON or YAML without saving it", async () => {
    const validate = (body: string, contentType: string) =>
      system.request("/v1/policies/validate", { method: "POST", headers: { "content-type": contentType }, body });
    const ok = await readJson(await validate(JSON.stringify(customPolicy), "application/json"));
    expect(ok).toMatchObject({ valid: true, policy: { key: "custom-ladder", guards: { minGapDays: 3 } } });

    const yaml = [
      "key: yaml-ladder",
      "name: From YAML",
      "steps:",
      "  - id: nudge",
      "    offsetDays: 1",
      "    action: email",
      "    template: first-reminder",
    ].join("\n");
    expect(await readJson(await validate(yaml, "application/yaml"))).toMatchObject({
      valid: true,
      policy: { key: "yaml-ladder" },
    });

    const broken = await readJson(await validate(`${yaml}\n   - id: [oops\n`, "text/yaml"));
    expect(broken.valid).toBe(false);
    expect(broken.issues[0]).toMatchObject({ line: expect.any(Number), message: expect.any(String) });

    const wrong = await readJson(await validate(yaml.replace("offsetDays: 1", "offsetDays: soon"), "application/yaml"));
    expect(wrong).toMatchObject({ valid: false, issues: [expect.objectContaining({ path: "steps[0].offsetDays" })] });
    const badJson = await readJson(await validate('{"key": "x",', "application/json"));
    expect(badJson.valid).toBe(false);

    await expectProblem(await validate(yaml, "text/plain"), 415);
    const stored = await readJson(await system.request("/v1/policies"));
    expect(stored.items.map((item: Loose) => item.key)).not.toContain("yaml-ladder");
  });

  it("migrates a running case to another policy version", async () => {
    const id = debtors.get("MIG");
    const migrate = (body: unknown) => post(`/v1/debtors/${id}/case/migrate-policy`, body);
    await expectProblem(await migrate({ key: "no-such-policy" }), 404);
    await expectProblem(await migrate({ key: "custom-ladder", version: 99 }), 404);
    const moved = await readJson(await migrate({ key: "custom-ladder", version: 1 }));
    expect(moved.policy).toEqual({ key: "custom-ladder", version: 1 });
    expect(moved.timeline.some((entry: Loose) => entry.status === "policy_migrated")).toBe(true);
    const latest = await readJson(await migrate({}));
    expect(latest.policy).toEqual({ key: "custom-ladder", version: 2 });
    await expectProblem(await post(`/v1/debtors/${debtors.get("PAID")}/case/migrate-policy`, {}), 409);
  });

  it("keeps tenants apart: another tenant's debtor, dispute, task and policy are 404s", async () => {
    const id = debtors.get("DSP");
    const [dispute] = (await readJson(await system.request(`/v1/debtors/${id}/disputes`))).items;
    const task = await system.runtime.store.createTask(system.tenant.id, { kind: "review", title: "Mine" });
    const key = other.apiKey;
    await expectProblem(await system.request(`/v1/debtors/${id}/disputes`, { apiKey: key }), 404);
    await expectProblem(
      await post(`/v1/debtors/${id}/disputes`, { invoiceId: invoices.get("DSP-2"), reason: "other" }, key),
      404,
    );
    await expectProblem(
      await post(
        `/v1/debtors/${id}/disputes/${dispute.id}/mediator`,
        { mediator: { kind: "user", userId: "x", name: "X" } },
        key,
      ),
      404,
    );
    await expectProblem(await post(`/v1/debtors/${id}/disputes/${dispute.id}/resolve`, { outcome: "withdrawn" }, key), 404);
    await expectProblem(await post(`/v1/tasks/${task.id}/outcome`, { outcome: "done" }, key), 404);
    await expectProblem(
      await post(`/v1/debtors/${id}/promises`, { promisedDate: "2099-01-01", amountMinor: 1, currency: "EUR" }, key),
      404,
    );
    await expectProblem(
      await system.request(`/v1/debtors/${id}/profile`, { ...json("PUT", { segments: [] }), apiKey: key }),
      404,
    );
    await expectProblem(await post(`/v1/debtors/${id}/case/migrate-policy`, {}, key), 404);
    await expectProblem(await system.request("/v1/policies/custom-ladder/versions", { apiKey: key }), 404);
    await expectProblem(await system.request("/v1/policies/custom-ladder/versions/1", { apiKey: key }), 404);
    expect((await readJson(await system.request("/v1/tasks", { apiKey: key }))).items).toEqual([]);
    const theirs = await readJson(await system.request("/v1/policies", { apiKey: key }));
    expect(theirs.items.map((item: Loose) => item.key)).not.toContain("custom-ladder");
    expect(theirs.items.map((item: Loose) => item.key)).toContain("email-3-steps");
  });

  it("documents every engine route in the OpenAPI document", async () => {
    const doc = await readJson(await system.api.request("/openapi.json"));
    for (const path of [
      "/v1/debtors/{debtorId}/case/resume",
      "/v1/debtors/{debtorId}/case/migrate-policy",
      "/v1/debtors/{debtorId}/disputes",
      "/v1/debtors/{debtorId}/disputes/{disputeId}/mediator",
      "/v1/debtors/{debtorId}/disputes/{disputeId}/resolve",
      "/v1/debtors/{debtorId}/promises",
      "/v1/debtors/{debtorId}/payment-plans",
      "/v1/debtors/{debtorId}/profile",
      "/v1/tasks",
      "/v1/tasks/{taskId}/outcome",
      "/v1/policies",
      "/v1/policies/{key}",
      "/v1/policies/{key}/versions",
      "/v1/policies/{key}/versions/{version}",
      "/v1/policies/validate",
    ]) {
      expect(doc.paths[path], path).toBeDefined();
    }
    for (const schema of ["Case", "Dispute", "Task", "PolicyDefinition", "StoredPolicy", "PolicyValidation"]) {
      expect(doc.components.schemas[schema], schema).toBeDefined();
    }
  });
});
