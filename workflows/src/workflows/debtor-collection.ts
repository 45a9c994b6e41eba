/**
 * One durable case per debtor. Every turn it asks the pure planner what comes next, sleeps until then or
 * until a message changes the case, does it through an activity, folds the result into the state with the
 * pure reducer, and repeats until nothing is owed. Disputes, promises, plans and human outcomes arrive
 * as validated updates; each is recorded (once, by its id) before the case acts on it.
 */

import {
  applyEvent,
  type CaseEvent,
  type CaseInvoice,
  type CaseState,
  type CollectionPolicy,
  type ContactChannel,
  calendarDateOf,
  chaseOf,
  type Decision,
  type Mediator,
  migrateLevel,
  type PolicyStep,
  plan,
  REAL_DAY_MS,
  realTimeScale,
  type TimeScale,
  todayOf,
  validatePaymentPlan,
  validatePromise,
} from "@relance/core/workflow";
import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  upsertSearchAttributes,
  uuid4,
  workflowInfo,
} from "@temporalio/workflow";
import type { CaseRecord, CollectionActivities, ExecuteStepInput, NoticeContext } from "../activities/types";
import { overdueBandOf, overdueBandSearchAttribute, stageSearchAttribute } from "../search-attributes";
import {
  assignMediatorUpdate,
  type CaseCounters,
  type CaseStage,
  type CaseView,
  caseQuery,
  type DebtorCollectionInput,
  debtorProfileUpdate,
  type LedgerUpdate,
  ledgerChangedSignal,
  migratePolicyUpdate,
  openDisputeUpdate,
  type PendingNotice,
  pauseUpdate,
  paymentPlanUpdate,
  promiseUpdate,
  resolveDisputeUpdate,
  resumeUpdate,
  taskOutcomeUpdate,
} from "./messages";

// Lob keeps an idempotency key 24 hours: retries of one send stop well before that.
const STEP_RETRY = { initialInterval: "1 second", backoffCoefficient: 2, maximumInterval: "5 minutes", maximumAttempts: 200 };

/**
 * Since this patch a step runs as a local activity, inside the workflow task that decided it: half the
 * history events per step and no round trip through the server's task queue. Exactly once does not rest
 * on either kind of activity but on the outbox and the step's idempotency key; a crashed worker is
 * noticed when its workflow task times out (10 seconds), as it was by the heartbeat timeout before.
 */
const LOCAL_STEPS = "steps-as-local-activities";

const { executeStep } = proxyLocalActivities<CollectionActivities>({ startToCloseTimeout: "2 minutes", retry: STEP_RETRY });

/** Closing a case, and the steps of cases started before LOCAL_STEPS (activities, as they were). */
const { executeStep: executeStepActivity, closeCase } = proxyActivities<CollectionActivities>({
  startToCloseTimeout: "2 minutes",
  // The activity heartbeats while it works, so a crashed worker is noticed in seconds, not minutes.
  heartbeatTimeout: "10 seconds",
  retry: STEP_RETRY,
});

const { recordCase } = proxyActivities<CollectionActivities>({
  startToCloseTimeout: "1 minute",
  retry: { initialInterval: "1 second", backoffCoefficient: 2, maximumInterval: "1 minute", maximumAttempts: 20 },
});

const REPEAT_LATE_AFTER = 2;

export async function debtorCollection(input: DebtorCollectionInput): Promise<void> {
  const { tenantId, debtorId, dayMs } = input;
  const startedAt = Date.now();
  const carried = input.carried ?? {
    caseKey: workflowInfo().firstExecutionRunId,
    originDate: calendarDateOf(startedAt),
    originEpochMs: startedAt,
    counters: { promisesKept: 0, promisesBroken: 0, plansBroken: 0 },
    lastStepId: null,
    pendingNotices: [],
  };
  const scale: TimeScale =
    dayMs === REAL_DAY_MS
      ? realTimeScale(carried.originDate)
      : { dayMs, originDate: carried.originDate, originEpochMs: carried.originEpochMs };

  let policy: CollectionPolicy = input.policy;
  let state: CaseState = input.state;
  let counters: CaseCounters = carried.counters;
  let lastStepId = carried.lastStepId;
  const pendingNotices: PendingNotice[] = [...(carried.pendingNotices ?? [])];
  let decision: Decision = plan(state, policy, Date.now(), scale);
  let stage: CaseStage = stageOf(state, decision);
  // Bumped by every message that may change the plan; the sleep below wakes when it moves.
  let changes = 0;
  // When the ledger view the case holds was read: an older read (a late signal) changes nothing.
  let ledgerReadAt = carried.ledgerReadAt ?? 0;
  let ladderEndNotedAt: number | null = carried.ladderEndNotedAt ?? null;

  const apply = (event: CaseEvent): void => {
    state = applyEvent(state, event, policy);
    changes++;
  };
  const record = (caseRecord: CaseRecord) => recordCase({ tenantId, debtorId, record: caseRecord });
  const keyOf = (suffix: string) => `${workflowInfo().workflowId}:${carried.caseKey}:${suffix}`;
  const today = () => todayOf(scale, Date.now());
  const view = (): CaseView => {
    const current = plan(state, policy, Date.now(), scale);
    return {
      stage: stageOf(state, current),
      idleReason: current.kind === "idle" ? current.reason : null,
      policy: { key: policy.key, version: policy.version },
      level: state.level,
      lastStepId,
      nextAction:
        current.kind === "closed" || current.kind === "idle"
          ? null
          : {
              kind: current.kind,
              stepId: current.kind === "step" ? current.step.id : null,
              action: current.kind === "step" ? current.step.action : null,
              at: new Date(current.at).toISOString(),
            },
      paused: state.paused,
      state,
      today: today(),
      clock: scale,
      promises: { kept: counters.promisesKept, broken: counters.promisesBroken },
    };
  };
  const invalid = (message: string, path: string): never => {
    throw ApplicationFailure.create({
      type: "validation_failed",
      message,
      nonRetryable: true,
      details: [[{ path, message }]],
    });
  };
  const assertOpen = (): void => {
    if (!state.invoices.some((invoice) => invoice.balanceMinor > 0)) {
      throw ApplicationFailure.create({ type: "conflict", message: "the case is closed: nothing is owed", nonRetryable: true });
    }
  };
  const disputeOf = (disputeId: string) => {
    const dispute = state.disputes.find((candidate) => candidate.id === disputeId);
    if (!dispute || dispute.creditedWhenBalanceAtMost !== undefined) {
      throw ApplicationFailure.create({
        type: "not_found",
        message: `no open dispute ${disputeId} on this case`,
        nonRetryable: true,
      });
    }
    return dispute;
  };
  /** The chased invoices in a currency a promise or plan covers, and their balances now (its baseline). */
  const coveredIn = (currency: string) => {
    const covered = (chaseOf(state, policy)?.invoices ?? []).filter((invoice) => invoice.currency === currency);
    const baseline = Object.fromEntries(
      covered.map((invoice) => [invoice.id, state.invoices.find((open) => open.id === invoice.id)?.balanceMinor ?? 0]),
    );
    return { covered, baseline };
  };
  const noteRepeatLate = async (): Promise<void> => {
    const late = counters.promisesBroken + counters.plansBroken >= REPEAT_LATE_AFTER;
    if (late && !state.debtor.segments.includes("repeat_late")) {
      await record({ type: "segment_added", segment: "repeat_late" });
      apply({ type: "segments_changed", segments: [...state.debtor.segments, "repeat_late"] });
    }
  };

  setHandler(ledgerChangedSignal, ({ invoices, readAt }: LedgerUpdate) => {
    if (readAt < ledgerReadAt) return;
    ledgerReadAt = readAt;
    apply({ type: "ledger_changed", invoices });
  });
  setHandler(caseQuery, view);

  setHandler(
    pauseUpdate,
    async ({ reason }) => {
      apply({ type: "paused" });
      await record({ type: "note", status: "paused", summary: `case paused${reason ? `: ${reason}` : ""}` });
      return view();
    },
    {
      validator: (_request) => {
        assertOpen();
        if (state.paused)
          throw ApplicationFailure.create({ type: "conflict", message: "the case is already paused", nonRetryable: true });
      },
    },
  );
  setHandler(
    resumeUpdate,
    async () => {
      apply({ type: "resumed", at: Date.now() });
      await record({ type: "note", status: "resumed", summary: "case resumed" });
      return view();
    },
    {
      validator: () => {
        assertOpen();
        if (!state.paused)
          throw ApplicationFailure.create({ type: "conflict", message: "the case is not paused", nonRetryable: true });
      },
    },
  );

  setHandler(
    openDisputeUpdate,
    async (request) => {
      const invoice = state.invoices.find((candidate) => candidate.id === request.invoiceId) as CaseInvoice;
      const amountMinor = request.amountMinor ?? invoice.balanceMinor - disputedOn(state, invoice.id);
      const disputeId = uuid4();
      await record({
        type: "dispute_opened",
        disputeId,
        invoiceId: invoice.id,
        amountMinor,
        currency: invoice.currency,
        reason: request.reason,
        ...(request.comment === undefined ? {} : { comment: request.comment }),
        openedBy: request.openedBy,
      });
      apply({
        type: "dispute_opened",
        dispute: {
          id: disputeId,
          invoiceId: invoice.id,
          amountMinor,
          currency: invoice.currency,
          reason: request.reason,
          openedAt: Date.now(),
        },
      });
      return { id: disputeId, view: view() };
    },
    {
      validator: (request) => {
        assertOpen();
        const invoice = state.invoices.find((candidate) => candidate.id === request.invoiceId);
        if (!invoice) return invalid(`invoice ${request.invoiceId} is not an open invoice of this debtor`, "invoiceId");
        if (
          state.disputes.some((dispute) => dispute.invoiceId === invoice.id && dispute.creditedWhenBalanceAtMost === undefined)
        ) {
          throw ApplicationFailure.create({
            type: "conflict",
            message: `invoice ${invoice.number} already has an open dispute`,
            nonRetryable: true,
          });
        }
        const free = invoice.balanceMinor - disputedOn(state, invoice.id);
        if (free <= 0) return invalid(`invoice ${invoice.number} is already disputed in full`, "invoiceId");
        if (request.amountMinor !== undefined && (request.amountMinor <= 0 || request.amountMinor > free)) {
          invalid(`must be between 1 and ${free}, the undisputed balance of invoice ${invoice.number}`, "amountMinor");
        }
      },
    },
  );

  setHandler(
    assignMediatorUpdate,
    async ({ disputeId, mediator }) => {
      const at = Date.now();
      const slaAt = at + policy.disputes.mediationSlaDays * dayMs;
      await record({ type: "mediator_assigned", disputeId, mediator, slaAt });
      apply({ type: "mediator_assigned", disputeId, mediator, at, dayMs });
      return view();
    },
    { validator: ({ disputeId }) => void disputeOf(disputeId) },
  );

  setHandler(
    resolveDisputeUpdate,
    async (request) => {
      const dispute = disputeOf(request.disputeId);
      const upheldMinor =
        request.outcome === "upheld" ? dispute.amountMinor : request.outcome === "partly_upheld" ? (request.upheldMinor ?? 0) : 0;
      await record({
        type: "dispute_resolved",
        disputeId: dispute.id,
        outcome: request.outcome,
        upheldMinor,
        explanation: request.explanation,
        resolvedBy: request.resolvedBy,
        ...(upheldMinor > 0 ? { creditNoteKey: keyOf(`credit-note:${dispute.id}`) } : {}),
      });
      apply({ type: "dispute_resolved", disputeId: dispute.id, outcome: request.outcome, upheldMinor, at: Date.now() });
      if (request.outcome === "rejected" || request.outcome === "partly_upheld") {
        pendingNotices.push({
          id: `dispute-outcome-${dispute.id}`,
          template: policy.notices.disputeOutcome,
          audience: "debtor",
          context: { dispute: { invoiceId: dispute.invoiceId, outcome: request.outcome, explanation: request.explanation } },
        });
        changes++;
      }
      return view();
    },
    {
      validator: (request) => {
        const dispute = disputeOf(request.disputeId);
        if (request.outcome === "partly_upheld") {
          const part = request.upheldMinor;
          if (part === undefined || part <= 0 || part >= dispute.amountMinor) {
            invalid(
              `a partly upheld dispute names the part found right: between 1 and ${dispute.amountMinor - 1}`,
              "upheldMinor",
            );
          }
        }
      },
    },
  );

  setHandler(
    promiseUpdate,
    async (request) => {
      const { covered, baseline } = coveredIn(request.currency);
      const promiseId = uuid4();
      if (state.promise) await record({ type: "promise_settled", promiseId: state.promise.id, status: "cancelled" });
      await record({
        type: "promise_made",
        promiseId,
        promisedDate: request.promisedDate,
        amountMinor: request.amountMinor,
        currency: request.currency,
        invoiceIds: covered.map((invoice) => invoice.id),
        baseline,
        source: request.source,
      });
      apply({
        type: "promise_made",
        promise: {
          id: promiseId,
          promisedDate: request.promisedDate,
          amountMinor: request.amountMinor,
          currency: request.currency,
          baseline,
          graceDays: policy.promises.graceDays,
        },
      });
      return { id: promiseId, view: view() };
    },
    {
      validator: (request) => {
        assertOpen();
        if (state.plan) invalid("a payment plan is running: promises are made outside a plan", "promisedDate");
        const issue = validatePromise(request, state, policy, today());
        if (issue) invalid(issue.message, issue.path);
      },
    },
  );

  setHandler(
    paymentPlanUpdate,
    async (request) => {
      const { covered, baseline } = coveredIn(request.currency);
      const planId = uuid4();
      if (state.promise) await record({ type: "promise_settled", promiseId: state.promise.id, status: "cancelled" });
      await record({
        type: "plan_agreed",
        planId,
        currency: request.currency,
        instalments: request.instalments,
        invoiceIds: covered.map((invoice) => invoice.id),
        rules: {
          maxInstalments: policy.paymentPlans.maxInstalments,
          minInstalmentMinor: policy.paymentPlans.minInstalmentMinor,
          today: today(),
        },
      });
      apply({
        type: "plan_agreed",
        plan: {
          id: planId,
          currency: request.currency,
          instalments: request.instalments,
          baseline,
          graceDays: policy.paymentPlans.graceDays,
          reminderDaysBefore: policy.paymentPlans.reminderDaysBefore,
          remindersSent: 0,
        },
      });
      return { id: planId, view: view() };
    },
    {
      validator: (request) => {
        assertOpen();
        if (state.plan) invalid("a payment plan is already running on this case", "instalments");
        const issue = validatePaymentPlan(request, state, policy, today());
        if (issue) invalid(issue.message, issue.path);
      },
    },
  );

  setHandler(taskOutcomeUpdate, async (request) => {
    await record({
      type: "task_outcome",
      taskId: request.taskId,
      outcome: request.outcome,
      ...(request.note === undefined ? {} : { note: request.note }),
    });
    if (request.outcome === "wrong_number") {
      const optOuts = new Set<ContactChannel>([...(state.overrides.optOuts ?? []), "phone"]);
      apply({ type: "overrides_changed", overrides: { ...state.overrides, optOuts: [...optOuts] } });
    }
    if (state.awaitingHuman) apply({ type: "human_done", at: Date.now() });
    else changes++;
    return view();
  });

  setHandler(migratePolicyUpdate, async ({ policy: next }) => {
    const from = { key: policy.key, version: policy.version };
    state = { ...state, level: migrateLevel(policy, next, state.level) };
    policy = next;
    changes++;
    await record({
      type: "note",
      status: "policy_migrated",
      summary: `policy ${from.key} v${from.version} → ${next.key} v${next.version}`,
      detail: { from, to: { key: next.key, version: next.version }, level: state.level },
    });
    return view();
  });

  setHandler(debtorProfileUpdate, async ({ segments, overrides }) => {
    if (segments) apply({ type: "segments_changed", segments });
    if (overrides) apply({ type: "overrides_changed", overrides });
    await record({
      type: "note",
      status: "profile_changed",
      summary: "debtor segments or overrides changed",
      detail: { segments, overrides },
    });
    return view();
  });

  const stepInput = (step: PolicyStep, stepIndex: number | null, repeat: number, suffix: string): ExecuteStepInput => ({
    tenantId,
    debtorId,
    idempotencyKey: keyOf(suffix),
    policy: { key: policy.key, version: policy.version },
    step,
    stepIndex,
    repeat,
    passedOver: [],
    chaseRules: {
      chaseUndisputed: policy.disputes.chaseUndisputed,
      excludedInvoiceIds: state.overrides.excludedInvoiceIds ?? [],
      disputedMinor: Object.fromEntries(
        state.disputes.map((dispute) => [dispute.invoiceId, disputedOn(state, dispute.invoiceId)]),
      ),
    },
    sendWindow:
      dayMs === REAL_DAY_MS
        ? {
            businessDaysOnly: policy.guards.businessDaysOnly,
            ...(policy.guards.quietHours ? { quietHours: policy.guards.quietHours } : {}),
          }
        : null,
    ...(state.overrides.preferredChannel ? { preferredChannel: state.overrides.preferredChannel } : {}),
    ...(state.overrides.language ? { language: state.overrides.language } : {}),
    ...(policy.lateCharges ? { lateCharges: policy.lateCharges } : {}),
    today: today(),
    audience: "debtor",
  });

  /** Runs a step or notice; folds in the ledger it read unless a fresher one arrived meanwhile. */
  const run = async (request: ExecuteStepInput) => {
    const result = await (patched(LOCAL_STEPS) ? executeStep(request) : executeStepActivity(request));
    if (result.readAt >= ledgerReadAt) {
      ledgerReadAt = result.readAt;
      apply({ type: "ledger_changed", invoices: result.invoices });
    }
    if (result.outcome === "deferred" && result.deferredUntil !== undefined)
      apply({ type: "deferred", until: result.deferredUntil });
    return result;
  };

  /** Sends a notice outside the ladder; false when the send window deferred it. */
  const sendNotice = async (notice: PendingNotice): Promise<boolean> => {
    const step: PolicyStep = { id: notice.id, offsetDays: 0, action: "email", template: notice.template };
    const result = await run({ ...stepInput(step, null, 0, notice.id), notice: notice.context, audience: notice.audience });
    if (result.outcome === "deferred") return false;
    if (result.contact) apply({ type: "contact_made", contact: { channel: result.contact, at: Date.now(), stepId: notice.id } });
    return true;
  };

  const setStage = (next: CaseStage): void => {
    if (next === stage) return;
    stage = next;
    upsertSearchAttributes([
      { key: stageSearchAttribute, value: next },
      { key: overdueBandSearchAttribute, value: overdueBandOf(state, today()) },
    ]);
  };

  for (;;) {
    // Checked on every turn, so a case woken by many signals (and never stepping) also starts afresh.
    const info = workflowInfo();
    if (info.continueAsNewSuggested || (input.historyLimit !== undefined && info.historyLength >= input.historyLimit)) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof debtorCollection>({
        ...input,
        policy,
        state,
        carried: { ...carried, counters, lastStepId, pendingNotices, ledgerReadAt, ladderEndNotedAt },
      });
    }
    decision = plan(state, policy, Date.now(), scale);
    setStage(stageOf(state, decision));
    if (decision.kind === "closed") break;
    const seen = changes;
    const notice = pendingNotices[0];
    if (notice && !state.paused) {
      // A notice deferred by the debtor's send window waits for it, like any step.
      const windowMs = (state.resumeNotBefore ?? 0) - Date.now();
      if (windowMs > 0) await condition(() => changes !== seen, windowMs);
      else if (await sendNotice(notice)) pendingNotices.shift();
      continue;
    }
    if (decision.kind === "idle") {
      if (decision.reason === "ladder_complete" && ladderEndNotedAt !== state.level) {
        // Nothing automatic is left while something is owed: never let a case stall in silence.
        await record({ type: "ladder_complete", taskKey: keyOf(`ladder-complete:${state.level}`), lastStepId });
        ladderEndNotedAt = state.level;
        continue;
      }
      await condition(() => changes !== seen);
      continue;
    }
    const waitMs = decision.at - Date.now();
    if (waitMs > 0 && (await condition(() => changes !== seen, waitMs))) continue;

    switch (decision.kind) {
      case "step": {
        const { step, stepIndex, repeat } = decision;
        const suffix = repeat > 0 ? `${step.id}:r${repeat}` : step.id;
        // Will this step leave the ladder with nothing to do? Then the same activity hands it to a person.
        const after = applyEvent(
          state,
          { type: "step_done", stepIndex, repeat, at: Date.now(), passedOver: [], contact: null, awaitingHuman: false },
          policy,
        );
        const next = plan(after, policy, Date.now(), scale);
        const endsLadder = next.kind === "idle" && next.reason === "ladder_complete" && ladderEndNotedAt !== after.level;
        const result = await run({
          ...stepInput(step, stepIndex, repeat, suffix),
          passedOver: decision.passedOver.map((entry) => ({
            stepId: policy.steps[entry.stepIndex]?.id ?? String(entry.stepIndex),
            reason: entry.reason,
          })),
          ...(endsLadder ? { ladderCompleteKey: keyOf(`ladder-complete:${after.level}`) } : {}),
        });
        if (result.outcome === "deferred") break;
        if (result.outcome === "not_sent_nothing_owed") {
          // The ledger read right before acting shows nothing to chase; replan from it, but never spin.
          apply({ type: "deferred", until: Date.now() + dayMs });
          break;
        }
        const at = Date.now();
        apply({
          type: "step_done",
          stepIndex,
          repeat,
          at,
          passedOver: decision.passedOver,
          contact: result.contact ? { channel: result.contact, at, stepId: step.id } : null,
          awaitingHuman: result.awaitingHuman,
        });
        lastStepId = step.id;
        // Handed to a person either way: with a review task, or by the step itself (wait_for_human, a refusal).
        if (result.ladderCompleteNoted || (endsLadder && result.awaitingHuman)) ladderEndNotedAt = state.level;
        break;
      }
      case "promise_kept": {
        const promise = state.promise;
        if (promise) await record({ type: "promise_settled", promiseId: promise.id, status: "kept" });
        counters = { ...counters, promisesKept: counters.promisesKept + 1 };
        apply({ type: "promise_kept", at: Date.now() });
        break;
      }
      case "promise_broken": {
        const promise = state.promise;
        if (promise) {
          await record({ type: "promise_settled", promiseId: promise.id, status: "broken" });
          pendingNotices.push({
            id: `broken-promise-${promise.id}`,
            template: policy.notices.brokenPromise,
            audience: "debtor",
            context: { promise: { date: promise.promisedDate, amountMinor: promise.amountMinor, currency: promise.currency } },
          });
        }
        counters = { ...counters, promisesBroken: counters.promisesBroken + 1 };
        apply({ type: "promise_broken", at: Date.now() });
        await noteRepeatLate();
        break;
      }
      case "instalment_reminder": {
        const paymentPlan = state.plan;
        const instalment = paymentPlan?.instalments[decision.instalment];
        if (paymentPlan && instalment) {
          const id = `instalment-${paymentPlan.id}-${decision.instalment + 1}`;
          const step: PolicyStep = { id, offsetDays: 0, action: "email", template: policy.paymentPlans.reminderTemplate };
          const result = await run({
            ...stepInput(step, null, 0, id),
            notice: {
              instalment: {
                number: decision.instalment + 1,
                count: paymentPlan.instalments.length,
                date: instalment.dueDate,
                amountMinor: instalment.amountMinor,
                currency: paymentPlan.currency,
              },
            },
          });
          if (result.outcome === "deferred") break;
          if (result.contact) apply({ type: "contact_made", contact: { channel: result.contact, at: Date.now(), stepId: id } });
        }
        apply({ type: "instalment_reminded", instalment: decision.instalment });
        break;
      }
      case "plan_completed": {
        const paymentPlan = state.plan;
        if (paymentPlan) await record({ type: "plan_ended", planId: paymentPlan.id, status: "completed" });
        apply({ type: "plan_completed" });
        break;
      }
      case "plan_broken": {
        const paymentPlan = state.plan;
        if (paymentPlan) {
          await record({ type: "plan_ended", planId: paymentPlan.id, status: "broken", instalment: decision.instalment + 1 });
        }
        counters = { ...counters, plansBroken: counters.plansBroken + 1 };
        apply({ type: "plan_broken", at: Date.now() });
        await noteRepeatLate();
        break;
      }
      case "mediator_reminder": {
        const { disputeId } = decision;
        const dispute = state.disputes.find((candidate) => candidate.id === disputeId);
        if (dispute?.mediator) {
          const id = `mediator-reminder-${dispute.id}-${dispute.mediatorRemindersSent + 1}`;
          await sendNotice({
            id,
            template: "mediator-reminder",
            audience: "mediator",
            context: mediatorContext(dispute.invoiceId, dispute.mediator, dispute.slaAt),
          }).catch(() => undefined);
        }
        apply({ type: "mediator_reminded", disputeId });
        break;
      }
      case "mediation_overdue": {
        await record({
          type: "mediation_overdue",
          disputeId: decision.disputeId,
          taskKey: keyOf(`mediation-overdue:${decision.disputeId}`),
        });
        apply({ type: "mediation_overdue", disputeId: decision.disputeId });
        break;
      }
    }
  }

  // Paid in full: a running promise was kept, a running plan completed.
  if (state.promise) await record({ type: "promise_settled", promiseId: state.promise.id, status: "kept" });
  if (state.plan) await record({ type: "plan_ended", planId: state.plan.id, status: "completed" });
  await closeCase({ tenantId, debtorId, reason: "balance_zero", lastStepId });
  await condition(allHandlersFinished);
}

function disputedOn(state: CaseState, invoiceId: string): number {
  return state.disputes
    .filter((dispute) => dispute.invoiceId === invoiceId)
    .reduce((sum, dispute) => sum + dispute.amountMinor, 0);
}

function mediatorContext(invoiceId: string, mediator: Mediator, slaAt: number | null): NoticeContext {
  return {
    mediator,
    dispute: {
      invoiceId,
      outcome: "open",
      explanation: "",
      ...(slaAt === null ? {} : { slaDate: new Date(slaAt).toISOString().slice(0, 10) }),
    },
  };
}

function stageOf(state: CaseState, decision: Decision): CaseStage {
  if (decision.kind === "closed") return "closed";
  if (state.paused) return "paused";
  if (state.awaitingHuman) return "awaiting_human";
  if (state.plan) return "payment_plan";
  if (state.promise) return "promise";
  if (decision.kind === "idle") return decision.reason === "all_disputed" ? "disputed" : "ladder_complete";
  return state.disputes.length > 0 ? "disputed" : "chasing";
}
