/**
 * One durable case per debtor: asks the pure planner what comes next, sleeps until then or until the
 * ledger changes, runs the step through one activity, and repeats until nothing is owed.
 */

import {
  type CaseSnapshot,
  calendarDateOf,
  type Plan,
  planNext,
  REAL_DAY_MS,
  realTimeScale,
  type TimeScale,
} from "@relance/core/workflow";
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from "@temporalio/workflow";
import type { CollectionActivities } from "../activities/types";
import { stageSearchAttribute } from "../search-attributes";
import {
  type CaseStage,
  type CaseView,
  caseQuery,
  type DebtorCollectionInput,
  ledgerChangedSignal,
  pauseUpdate,
  resumeUpdate,
} from "./messages";

const { executeStep, closeCase } = proxyActivities<CollectionActivities>({
  startToCloseTimeout: "2 minutes",
  // The activity heartbeats while it works, so a crashed worker is noticed in seconds, not minutes.
  heartbeatTimeout: "10 seconds",
  retry: { initialInterval: "1 second", backoffCoefficient: 2, maximumInterval: "5 minutes" },
});

export async function debtorCollection(input: DebtorCollectionInput): Promise<void> {
  const { tenantId, debtorId, policy, dayMs } = input;
  const startedAt = Date.now();
  const carried = input.carried ?? {
    caseKey: workflowInfo().firstExecutionRunId,
    level: -1,
    lastStepId: null,
    paused: false,
    originDate: calendarDateOf(startedAt),
    originEpochMs: startedAt,
  };
  const scale: TimeScale =
    dayMs === REAL_DAY_MS
      ? realTimeScale(carried.originDate)
      : { dayMs, originDate: carried.originDate, originEpochMs: carried.originEpochMs };

  let snapshot: CaseSnapshot = input.snapshot;
  let level = carried.level;
  let lastStepId = carried.lastStepId;
  let paused = carried.paused;
  let plan: Plan = planNext(policy, snapshot, level, Date.now(), scale);
  // Bumped by every message that may change the plan; the sleep below wakes when it moves.
  let changes = 0;

  const stage = (): CaseStage =>
    plan.kind === "closed" ? "closed" : paused ? "paused" : plan.kind === "ladder_complete" ? "ladder_complete" : "waiting";
  const view = (): CaseView => ({
    stage: stage(),
    policy: { key: policy.key, version: policy.version },
    level,
    lastStepId,
    nextStep: plan.kind === "step" && !paused ? { stepId: plan.step.id, at: new Date(plan.at).toISOString() } : null,
    paused,
    snapshot,
  });

  setHandler(ledgerChangedSignal, (next) => {
    snapshot = next;
    changes++;
  });
  setHandler(caseQuery, view);
  setHandler(
    pauseUpdate,
    (_request) => {
      paused = true;
      changes++;
      upsertSearchAttributes([{ key: stageSearchAttribute, value: "paused" }]);
      return view();
    },
    { validator: (_request) => assertOpen(plan) },
  );
  setHandler(
    resumeUpdate,
    () => {
      paused = false;
      changes++;
      upsertSearchAttributes([{ key: stageSearchAttribute, value: "active" }]);
      return view();
    },
    { validator: () => assertOpen(plan) },
  );

  for (;;) {
    // Checked on every turn, so a case woken by many signals (and never stepping) also starts afresh.
    if (workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof debtorCollection>({ ...input, snapshot, carried: { ...carried, level, lastStepId, paused } });
    }
    plan = planNext(policy, snapshot, level, Date.now(), scale);
    if (plan.kind === "closed") break;
    const seen = changes;
    if (paused || plan.kind === "ladder_complete") {
      await condition(() => changes !== seen);
      continue;
    }
    const waitMs = plan.at - Date.now();
    if (waitMs > 0 && (await condition(() => changes !== seen, waitMs))) continue;

    const result = await executeStep({
      tenantId,
      debtorId,
      idempotencyKey: `${workflowInfo().workflowId}:${carried.caseKey}:${plan.step.id}`,
      policy: { key: policy.key, version: policy.version },
      step: plan.step,
      skippedStepIds: plan.skipped.map((index) => policy.steps[index]?.id ?? String(index)),
    });
    snapshot = result.snapshot;
    if (result.outcome !== "not_sent_zero_balance") {
      level = plan.stepIndex;
      lastStepId = plan.step.id;
    }
  }

  upsertSearchAttributes([{ key: stageSearchAttribute, value: "closed" }]);
  await closeCase({ tenantId, debtorId, reason: "balance_zero", lastStepId });
  await condition(allHandlersFinished);
}

function assertOpen(plan: Plan): void {
  if (plan.kind === "closed") throw new Error("the case is closed: nothing is owed");
}
