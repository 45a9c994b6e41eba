/**
 * Escalation throughput: N debtors through the three-step email ladder on a real Temporal dev server,
 * against a bare workflow doing the same timers with no-op activities, run side by side (baseline, ours,
 * baseline, ours…) on the same server. Also counts history events per escalation step.
 *
 *   node --import tsx test/bench/escalation.ts [debtors=1000] [rounds=2]
 *   BENCH_WARM_UP=200 (default): debtors run through both sides once, unmeasured, before the rounds, so
 *   that neither side is timed while V8 and PGlite's WebAssembly are still compiling its code paths.
 *   BENCH_ENGINE=postgres (with RELANCE_TEST_DATABASE_URL) runs the store on PostgreSQL instead of PGlite.
 */
import { randomUUID } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { debtorWorkflowId } from "@relance/workflows";
import { Worker } from "@temporalio/worker";
import { ledgerCsv } from "../support/ledger";
import { type System, startSystem } from "../support/system";
import { startTemporal } from "../support/temporal";

const debtors = Number(process.argv[2] ?? 1000);
const rounds = Number(process.argv[3] ?? 2);
const warmUp = Number(process.env.BENCH_WARM_UP ?? 200);
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

/**
 * CPU seconds used so far by this process (every thread: activities, workflow threads, PGlite) and by the
 * Temporal server it started (Linux /proc; 0 elsewhere). Both sides share two cores, so CPU per step is
 * what decides how fast a burst drains.
 */
function cpuSeconds(): { ours: number; main: number; server: number } {
  const { user, system } = process.cpuUsage();
  let server = 0;
  let main = 0;
  try {
    main = ticksOf(readFileSync("/proc/thread-self/stat", "utf8"));
    for (const entry of readdirSync("/proc")) {
      if (!/^\d+$/.test(entry)) continue;
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      if (stat.includes("(temporal)") && parentOf(stat) === process.pid) server += ticksOf(stat);
    }
  } catch {
    // not Linux: thread and server CPU unknown
  }
  return { ours: (user + system) / 1e6, main, server };
}

/** utime + stime of a /proc stat line, in seconds (100 ticks a second). */
function ticksOf(stat: string): number {
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function parentOf(stat: string): number {
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
}

function cpuSince(before: { ours: number; main: number; server: number }): string {
  const now = cpuSeconds();
  const ours = (now.ours - before.ours).toFixed(1);
  const main = (now.main - before.main).toFixed(1);
  return `CPU ${ours} s in this process (${main} s on its main thread), ${(now.server - before.server).toFixed(1)} s in the Temporal server`;
}

/** "1 at 0.4 s, 2 at 5.1 s, 3 at 12.0 s": when every debtor was past each step, from the start. */
function stepTimes(doneAt: readonly number[], started: number): string {
  return doneAt.map((at, step) => `${step + 1} at ${((at - started) / 1000).toFixed(1)} s`).join(", ");
}

async function runBaseline(temporal: Awaited<ReturnType<typeof startTemporal>>, debtors: number): Promise<number> {
  const taskQueue = `bare-${randomUUID()}`;
  const doneBySteps = OFFSETS_MS.map(() => 0);
  const stepDoneAt: number[] = [];
  const worker = await Worker.create({
    connection: temporal.nativeConnection,
    taskQueue,
    workflowsPath: fileURLToPath(new URL("./bare-ladder.workflow.ts", import.meta.url)),
    activities: {
      async noop(step: number) {
        doneBySteps[step] = (doneBySteps[step] ?? 0) + 1;
        if (doneBySteps[step] === debtors) stepDoneAt[step] = performance.now();
      },
    },
  });
  const running = worker.run();
  const cpu = cpuSeconds();
  const started = performance.now();
  const ids = Array.from({ length: debtors }, (_, index) => `bare-${taskQueue}-${index}`);
  for (let index = 0; index < ids.length; index += 16) {
    await Promise.all(
      ids
        .slice(index, index + 16)
        .map((workflowId) => temporal.client.workflow.start("bareLadder", { workflowId, taskQueue, args: [OFFSETS_MS] })),
    );
  }
  await waitFor("baseline ladders", async () => (doneBySteps.at(-1) ?? 0) >= debtors);
  const elapsed = performance.now() - started;
  console.log(`  baseline: every debtor past step ${stepTimes(stepDoneAt, started)}; ${cpuSince(cpu)}`);
  worker.shutdown();
  await running;
  return elapsed;
}

async function runOurs(
  system: System,
  round: string,
  debtors: number,
): Promise<{ elapsed: number; events: { total: number; perStep: number[] } }> {
  const rows = Array.from({ length: debtors }, (_, index) => ({
    debtor: `${round}-${index}`,
    invoice: `${round}-INV-${index}`,
    amount: "100.00",
    dueInDays: 3,
  }));
  const sentBefore = await system.runtime.store.countOutbox(system.tenant.id, { status: "sent" });
  const cpu = cpuSeconds();
  const started = performance.now();
  const roundStart = new Date();
  const response = await system.importCsv(ledgerCsv(rows));
  const imported = performance.now();
  if (response.status !== 201) throw new Error(`import failed: ${response.status} ${await response.text()}`);
  const store = system.runtime.store;
  // Done when every debtor of this round has had its last step (a step passed over because the system
  // fell a whole policy day behind is counted below, and would show as fewer messages than steps).
  // One small query per poll, over this round's rows only (an index range): the polling runs in the
  // measured process, the baseline counts in memory.
  const stepIds = ["pre-due", "first-reminder", "second-reminder"];
  const stepDoneAt: number[] = [];
  await waitFor("our ladders", async () => {
    const sentByStep = await store.db
      .selectFrom("outbox")
      .select(["step_id", (eb) => eb.fn.countAll<number>().as("count")])
      .where("tenant_id", "=", system.tenant.id)
      .where("status", "=", "sent")
      .where("created_at", ">=", roundStart)
      .groupBy("step_id")
      .execute();
    for (const [step, id] of stepIds.entries())
      if (stepDoneAt[step] === undefined && Number(sentByStep.find((count) => count.step_id === id)?.count ?? 0) >= debtors)
        stepDoneAt[step] = performance.now();
    return stepDoneAt[stepIds.length - 1] !== undefined;
  });
  const elapsed = (stepDoneAt[stepIds.length - 1] ?? performance.now()) - started;
  console.log(
    `  relance: import answered after ${((imported - started) / 1000).toFixed(1)} s; every debtor past step ${stepTimes(stepDoneAt, started)}; ${cpuSince(cpu)}`,
  );
  const sent = await store.countOutbox(system.tenant.id, { status: "sent" });
  if (sent - sentBefore < debtors * 3)
    console.log(`  note: ${debtors * 3 - (sent - sentBefore)} steps passed over (behind by a day)`);
  const page = await store.listDebtors(system.tenant.id, { limit: 1 });
  const connectionId = page.items[0]?.connectionId ?? "";
  const workflowIds = rows.map((row) => debtorWorkflowId(system.tenant.id, connectionId, row.debtor));
  const events = await eventsPerStep(system, workflowIds[0] ?? "");
  // Each round's cases wait for a person once their ladder is done; the bare ladders end by themselves.
  // Ending ours (outside the measured time) starts every round from the same server state.
  for (let index = 0; index < workflowIds.length; index += 32) {
    await Promise.all(
      workflowIds
        .slice(index, index + 32)
        .map((workflowId) => system.runtime.client.workflow.getHandle(workflowId).terminate("benchmark round over")),
    );
  }
  return { elapsed, events };
}

async function eventsPerStep(system: System, workflowId: string): Promise<{ total: number; perStep: number[] }> {
  const history = await system.runtime.client.workflow.getHandle(workflowId).fetchHistory();
  const events = history.events ?? [];
  // A step is a local activity (its marker); cases started before that change ran it as an activity.
  const scheduled = events.flatMap((event, index) =>
    event.markerRecordedEventAttributes?.markerName === "core_local_activity" ||
    event.activityTaskScheduledEventAttributes?.activityType?.name === "executeStep"
      ? [index]
      : [],
  );
  const perStep = scheduled.map((index, position) => (scheduled[position + 1] ?? events.length) - index);
  return { total: events.length, perStep };
}

const temporal = await startTemporal();
const engine = process.env.BENCH_ENGINE === "postgres" ? "postgres" : "pglite";
const system = await startSystem({ engine, dayMs: DAY_MS, channel: "outbox", temporal });
const pairs: { baseline: number; ours: number }[] = [];
let events: { total: number; perStep: number[] } = { total: 0, perStep: [] };
try {
  if (warmUp > 0) {
    console.log(`warm-up (not measured): ${warmUp} debtors on each side`);
    await runBaseline(temporal, warmUp);
    await runOurs(system, "W", warmUp);
  }
  for (let round = 0; round < rounds; round++) {
    const baseline = await runBaseline(temporal, debtors);
    const ours = await runOurs(system, `R${round}`, debtors);
    events = ours.events;
    pairs.push({ baseline, ours: ours.elapsed });
    console.log(
      `round ${round + 1}: baseline ${(baseline / 1000).toFixed(1)} s, relance ${(ours.elapsed / 1000).toFixed(1)} s, throughput ratio ${(baseline / ours.elapsed).toFixed(2)}`,
    );
  }
  const ratios = pairs.map((pair) => pair.baseline / pair.ours).sort((a, b) => a - b);
  const median = ratios[Math.floor(ratios.length / 2)] ?? Number.NaN;
  console.log(`\n${debtors} debtors × 3 steps, ${rounds} rounds, store on ${engine}`);
  console.log(
    `escalation throughput, relance / bare workflow: median ${median.toFixed(2)} of ${ratios.map((ratio) => ratio.toFixed(2)).join(", ")} (goal ≥ 0.8)`,
  );
  console.log(
    `history events per escalation step: ${events.perStep.join(", ")} (goal ≤ 12); whole history ${events.total} events`,
  );
} finally {
  await system.close();
  await temporal.teardown();
}
