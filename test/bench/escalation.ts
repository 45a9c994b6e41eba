/**
 * Escalation throughput: N debtors through the three-step email ladder on a real Temporal dev server,
 * against a bare workflow doing the same timers with no-op activities, run side by side (baseline, ours,
 * baseline, ours…) on the same server. Also counts history events per escalation step.
 *
 *   node --import tsx test/bench/escalation.ts [debtors=1000] [rounds=2]
 *   BENCH_ENGINE=postgres (with RELANCE_TEST_DATABASE_URL) runs the store on PostgreSQL instead of PGlite.
 */
import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { Worker } from "@temporalio/worker";
import { ledgerCsv } from "../support/ledger";
import { type System, startSystem } from "../support/system";
import { startTemporal } from "../support/temporal";

const debtors = Number(process.argv[2] ?? 1000);
const rounds = Number(process.argv[3] ?? 2);
// Second-scale offsets: a policy day lasts one second, so the steps (D-3, D+1, D+8 for an invoice due in
// 3 days) fall at 0, 4 and 11 s for every debtor at once. Both sides wait for the same timers; what differs
// is how fast each drains the bursts of 1,000 steps.
const DAY_MS = Number(process.env.BENCH_DAY_MS ?? 1000);
const OFFSETS_MS = [0, 4 * DAY_MS, 11 * DAY_MS];

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 15 * 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((wait) => setTimeout(wait, 250));
  }
}

async function runBaseline(temporal: Awaited<ReturnType<typeof startTemporal>>): Promise<number> {
  const taskQueue = `bare-${randomUUID()}`;
  let done = 0;
  const worker = await Worker.create({
    connection: temporal.nativeConnection,
    taskQueue,
    workflowsPath: fileURLToPath(new URL("./bare-ladder.workflow.ts", import.meta.url)),
    activities: {
      async noop(step: number) {
        if (step === OFFSETS_MS.length - 1) done++;
      },
    },
  });
  const running = worker.run();
  const started = performance.now();
  const ids = Array.from({ length: debtors }, (_, index) => `bare-${taskQueue}-${index}`);
  for (let index = 0; index < ids.length; index += 16) {
    await Promise.all(
      ids
        .slice(index, index + 16)
        .map((workflowId) => temporal.client.workflow.start("bareLadder", { workflowId, taskQueue, args: [OFFSETS_MS] })),
    );
  }
  await waitFor("baseline ladders", async () => done >= debtors);
  const elapsed = performance.now() - started;
  worker.shutdown();
  await running;
  return elapsed;
}

async function runOurs(system: System, round: number): Promise<{ elapsed: number; workflowId: string }> {
  const rows = Array.from({ length: debtors }, (_, index) => ({
    debtor: `R${round}-${index}`,
    invoice: `R${round}-INV-${index}`,
    amount: "100.00",
    dueInDays: 3,
  }));
  const started = performance.now();
  const response = await system.importCsv(ledgerCsv(rows));
  if (response.status !== 201) throw new Error(`import failed: ${response.status} ${await response.text()}`);
  const store = system.runtime.store;
  // Done when every debtor of this round has had its last step (a step passed over because the system
  // fell a whole policy day behind is counted below, and would show as fewer messages than steps).
  const lastSteps = () =>
    store.db
      .selectFrom("outbox")
      .select((eb) => eb.fn.countAll<number>().as("count"))
      .where("tenant_id", "=", system.tenant.id)
      .where("step_id", "=", "second-reminder")
      .where("status", "=", "sent")
      .executeTakeFirstOrThrow();
  await waitFor("our ladders", async () => Number((await lastSteps()).count) >= debtors * (round + 1));
  const elapsed = performance.now() - started;
  const sent = await store.countOutbox(system.tenant.id, { status: "sent" });
  if (sent < debtors * 3 * (round + 1))
    console.log(`  note: ${debtors * 3 * (round + 1) - sent} steps passed over (behind by a day)`);
  const page = await store.listDebtors(system.tenant.id, { limit: 1 });
  const first = page.items[0];
  return { elapsed, workflowId: `debtor:${system.tenant.id}:${first?.connectionId}:${first?.externalId}` };
}

async function eventsPerStep(system: System, workflowId: string): Promise<{ total: number; perStep: number[] }> {
  const history = await system.runtime.client.workflow.getHandle(workflowId).fetchHistory();
  const events = history.events ?? [];
  const scheduled = events.flatMap((event, index) =>
    event.activityTaskScheduledEventAttributes?.activityType?.name === "executeStep" ? [index] : [],
  );
  const perStep = scheduled.map((index, position) => (scheduled[position + 1] ?? events.length) - index);
  return { total: events.length, perStep };
}

const temporal = await startTemporal();
const engine = process.env.BENCH_ENGINE === "postgres" ? "postgres" : "pglite";
const system = await startSystem({ engine, dayMs: DAY_MS, channel: "outbox", temporal });
const pairs: { baseline: number; ours: number }[] = [];
let sample = "";
try {
  for (let round = 0; round < rounds; round++) {
    const baseline = await runBaseline(temporal);
    const ours = await runOurs(system, round);
    sample = ours.workflowId;
    pairs.push({ baseline, ours: ours.elapsed });
    console.log(
      `round ${round + 1}: baseline ${(baseline / 1000).toFixed(1)} s, relance ${(ours.elapsed / 1000).toFixed(1)} s, throughput ratio ${(baseline / ours.elapsed).toFixed(2)}`,
    );
  }
  const ratios = pairs.map((pair) => pair.baseline / pair.ours).sort((a, b) => a - b);
  const median = ratios[Math.floor(ratios.length / 2)] ?? Number.NaN;
  const events = await eventsPerStep(system, sample);
  console.log(`\n${debtors} debtors × 3 steps, ${rounds} rounds, store on ${engine}`);
  console.log(`escalation throughput, relance / bare workflow: median ${median.toFixed(2)} (goal ≥ 0.8)`);
  console.log(
    `history events per escalation step: ${events.perStep.join(", ")} (goal ≤ 12); whole history ${events.total} events`,
  );
} finally {
  await system.close();
  await temporal.teardown();
}
