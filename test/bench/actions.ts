/**
 * Temporal actions per invoice through five escalation steps (the UK B2B ladder up to its D+21 letter),
 * for debtors with 1 and with 4 invoices, counted from the recorded histories: workflow starts, signals,
 * updates, timers and activities (what Temporal Cloud bills as actions). Side by side, the baseline is
 * the other design: one bare workflow per invoice doing the same five timers and activities.
 * Also prints history events per step and the continue-as-new threshold.
 *
 *   node --import tsx test/bench/actions.ts [debtorsPerSize=20]
 */
import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { calendarDateOf } from "@relance/core";
import type { WorkflowHandle } from "@temporalio/client";
import { Worker } from "@temporalio/worker";
import { type LedgerRow, ledgerCsv } from "../support/ledger";
import { eventually, type System, startSystem } from "../support/system";
import { startTemporal } from "../support/temporal";

type HistoryEvent = NonNullable<Awaited<ReturnType<WorkflowHandle["fetchHistory"]>>["events"]>[number];

const perSize = Number(process.argv[2] ?? 20);
const DAY_MS = 300;
const STEPS = 5;
const OFFSETS_DAYS = [-3, 1, 7, 14, 21];

/**
 * Billable actions in a history: a start (signal-with-start included), each further signal and update,
 * each timer and activity, local activities included.
 */
function actionsIn(events: readonly HistoryEvent[]): number {
  let actions = 0;
  let startSignalSeen = false;
  for (const event of events) {
    if (event.workflowExecutionStartedEventAttributes) actions++;
    else if (event.workflowExecutionSignaledEventAttributes) {
      // signal-with-start is one action in all, started and signalled together.
      if (startSignalSeen) actions++;
      startSignalSeen = true;
    } else if (event.workflowExecutionUpdateAcceptedEventAttributes) actions++;
    else if (event.timerStartedEventAttributes) actions++;
    else if (event.activityTaskScheduledEventAttributes) actions++;
    // A local activity is one action, its retries inside a workflow task included.
    else if (event.markerRecordedEventAttributes?.markerName === "core_local_activity") actions++;
    else if (event.workflowExecutionContinuedAsNewEventAttributes) actions++;
  }
  return actions;
}

async function ours(
  system: System,
  invoicesPerDebtor: number,
  round: number,
): Promise<{ actions: number; invoices: number; eventsPerStep: number }> {
  const tag = `N${invoicesPerDebtor}-${randomUUID().slice(0, 6)}`;
  const rows: LedgerRow[] = [];
  for (let debtor = 0; debtor < perSize; debtor++) {
    for (let invoice = 0; invoice < invoicesPerDebtor; invoice++) {
      rows.push({ debtor: `${tag}-${debtor}`, invoice: `${tag}-${debtor}-${invoice}`, amount: "120.00", dueInDays: 3 });
    }
  }
  const response = await system.importCsv(ledgerCsv(rows));
  if (response.status !== 201) throw new Error(`import failed: ${response.status} ${await response.text()}`);
  const store = system.runtime.store;
  // Five steps done for every debtor: then the ledger shows everything paid and the cases close.
  await eventually(
    "five steps for every debtor",
    async () => {
      const done = await store.db
        .selectFrom("communications")
        .select((eb) => eb.fn.countAll<number>().as("count"))
        .where("tenant_id", "=", system.tenant.id)
        .where("kind", "=", "message")
        .where("summary", "like", "letter-d21:%")
        .executeTakeFirstOrThrow();
      return Number(done.count) >= perSize * (round + 1) ? true : undefined;
    },
    10 * 60_000,
  );
  await system.importCsv(ledgerCsv(rows.map((row) => ({ ...row, due: "0.00" }))));
  const page = await store.listDebtors(system.tenant.id, { limit: 500 });
  const debtors = page.items.filter((debtor) => debtor.externalId.startsWith(tag));
  let actions = 0;
  let events = 0;
  for (const debtor of debtors) {
    const handle = system.runtime.client.workflow.getHandle(
      `debtor:${system.tenant.id}:${debtor.connectionId}:${debtor.externalId}`,
    );
    await eventually(
      "the case to close",
      async () => ((await handle.describe()).status.name === "COMPLETED" ? true : undefined),
      60_000,
    );
    const history = (await handle.fetchHistory()).events ?? [];
    actions += actionsIn(history);
    events += history.length;
  }
  return { actions, invoices: debtors.length * invoicesPerDebtor, eventsPerStep: events / debtors.length / STEPS };
}

async function baseline(env: Awaited<ReturnType<typeof startTemporal>>, invoices: number): Promise<number> {
  const taskQueue = `bare-${randomUUID()}`;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowsPath: fileURLToPath(new URL("./bare-ladder.workflow.ts", import.meta.url)),
    activities: { async noop() {} },
  });
  const running = worker.run();
  const offsets = OFFSETS_DAYS.map((day) => (day + 3) * DAY_MS);
  const handles = await Promise.all(
    Array.from({ length: invoices }, (_, index) =>
      env.client.workflow.start("bareLadder", { workflowId: `${taskQueue}-${index}`, taskQueue, args: [offsets] }),
    ),
  );
  await Promise.all(handles.map((handle) => handle.result()));
  let actions = 0;
  for (const handle of handles) actions += actionsIn((await handle.fetchHistory()).events ?? []);
  worker.shutdown();
  await running;
  return actions;
}

const env = await startTemporal();
const system = await startSystem({
  engine: "pglite",
  dayMs: DAY_MS,
  channel: "outbox",
  temporal: env,
  env: { RELANCE_POLICY: "uk-b2b" },
});
try {
  console.log(
    `${perSize} debtors per size, ${STEPS} steps (UK B2B ladder to D+21), day = ${DAY_MS} ms, today ${calendarDateOf(Date.now())}`,
  );
  console.log("invoices/debtor  relance actions/invoice  per-invoice workflows actions/invoice  ratio  history events/step");
  for (const [round, size] of [1, 4].entries()) {
    const measured = await ours(system, size, round);
    const bare = await baseline(env, measured.invoices);
    const mine = measured.actions / measured.invoices;
    const theirs = bare / measured.invoices;
    console.log(
      `${String(size).padStart(15)}  ${mine.toFixed(2).padStart(23)}  ${theirs.toFixed(2).padStart(36)}  ${(mine / theirs).toFixed(2).padStart(5)}  ${measured.eventsPerStep.toFixed(1).padStart(19)}`,
    );
  }
  console.log(
    `continue-as-new: at ${system.runtime.env.RELANCE_CASE_HISTORY_LIMIT} history events (RELANCE_CASE_HISTORY_LIMIT), or sooner when the server suggests it`,
  );
  console.log("(goal: ≤ 4 actions per invoice at 4 invoices per debtor)");
} finally {
  await system.close();
  await env.teardown();
}
