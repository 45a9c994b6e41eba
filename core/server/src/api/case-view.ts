/**
 * The case as the API shows it: the workflow's view (stage, policy, next action) joined with what the store
 * holds (open balances, disputes, promise, plan, timeline). Shared by every route that changes a case.
 */
import { notFound, RelanceError, todayOf } from "@relance/core";
import type { Dispute, PaymentPlan, PromiseToPay, Store } from "@relance/store";
import type { CaseCommand, CaseLookup, CaseView, CommandResult, DebtorRecord } from "@relance/workflows";
import type { ApiServices } from "./services";

export type Lookup = CaseLookup & { workflowId: string };
export type OpenLookup = Extract<CaseLookup, { state: "open" }> & { workflowId: string };

const DEFAULT_TIMELINE = { limit: 200 } as const;

export function caseAccess(services: ApiServices) {
  const { store } = services;

  async function debtorOf(tenantId: string, debtorId: string): Promise<DebtorRecord> {
    const debtor = await store.getDebtor(tenantId, debtorId);
    if (!debtor) throw notFound(`debtor ${debtorId}`);
    return debtor;
  }

  /** The debtor and its running case; a debtor without one is a conflict (there is nothing to change). */
  async function openCase(tenantId: string, debtorId: string): Promise<{ debtor: DebtorRecord; lookup: OpenLookup }> {
    const debtor = await debtorOf(tenantId, debtorId);
    const lookup = await services.cases.describe(tenantId, debtor);
    if (lookup.state !== "open") {
      throw new RelanceError(
        "conflict",
        `debtor ${debtorId} has no open case (${lookup.state === "none" ? "none yet" : "closed"})`,
      );
    }
    return { debtor, lookup };
  }

  /** Sends a command to the debtor's open case and answers with the case after it. */
  async function command(tenantId: string, debtorId: string, make: (lookup: OpenLookup) => CaseCommand | Promise<CaseCommand>) {
    const { debtor, lookup } = await openCase(tenantId, debtorId);
    const result: CommandResult = await services.cases.command(tenantId, debtor, await make(lookup));
    return { id: result.id, case: await caseView(tenantId, debtor, { ...lookup, view: result.view }) };
  }

  async function caseView(
    tenantId: string,
    debtor: DebtorRecord,
    known?: Lookup,
    timeline: { limit: number; cursor?: string } = DEFAULT_TIMELINE,
  ) {
    const debtorId = debtor.id;
    const [lookup, snapshot, entries, disputes, promise, plan, promises] = await Promise.all([
      known ?? services.cases.describe(tenantId, debtor),
      store.getCaseSnapshot(tenantId, debtorId),
      store.listTimeline(tenantId, debtorId, timeline),
      store.listDisputes(tenantId, { debtorId }),
      store.getOpenPromise(tenantId, debtorId),
      store.getActivePlan(tenantId, debtorId),
      store.promiseCounts(tenantId, debtorId),
    ]);
    const view: CaseView | undefined = lookup.state === "open" ? lookup.view : undefined;
    return {
      debtorId,
      workflowId: lookup.workflowId,
      state: lookup.state,
      stage: view?.stage ?? (lookup.state === "closed" ? "closed" : null),
      idleReason: view?.idleReason ?? null,
      paused: view?.paused ?? false,
      policy: view ? { key: view.policy.key, version: view.policy.version } : null,
      level: view?.level ?? null,
      lastStepId: view?.lastStepId ?? null,
      nextAction: view?.nextAction
        ? {
            kind: view.nextAction.kind,
            stepId: view.nextAction.stepId,
            action: view.nextAction.action,
            at: view.nextAction.at,
          }
        : null,
      // Workflow time stands still between tasks (a query does not move it): today is read off the case's clock.
      today: view ? todayOf(view.clock, Date.now()) : null,
      openBalances: snapshot.openBalances.map(({ amountMinor, currency }) => ({ amountMinor, currency })),
      disputes: disputes.map(toDisputeView),
      promise: promise ? toPromiseView(promise) : null,
      plan: plan ? toPlanView(plan) : null,
      promises: { kept: promises.kept, broken: promises.broken },
      timeline: withDeliveries(entries.items),
      timelineNextCursor: entries.nextCursor ?? null,
    };
  }

  return { debtorOf, openCase, command, caseView };
}

export function toDisputeView(dispute: Dispute) {
  return {
    id: dispute.id,
    invoiceId: dispute.invoiceId,
    amountMinor: dispute.amountMinor,
    currency: dispute.currency,
    reason: dispute.reason,
    comment: dispute.comment,
    status: dispute.status,
    mediator: dispute.mediator,
    slaDueAt: dispute.slaDueAt?.toISOString() ?? null,
    outcome: dispute.outcome ? { upheldMinor: dispute.outcome.upheldMinor, explanation: dispute.outcome.explanation } : null,
    openedAt: dispute.openedAt.toISOString(),
    resolvedAt: dispute.resolvedAt?.toISOString() ?? null,
  };
}

function toPromiseView(promise: PromiseToPay) {
  return {
    id: promise.id,
    promisedDate: promise.promisedDate,
    amountMinor: promise.amountMinor,
    currency: promise.currency,
    invoiceIds: [...promise.invoiceIds],
    status: promise.status,
    source: promise.source,
    createdAt: promise.createdAt.toISOString(),
  };
}

function toPlanView(plan: PaymentPlan) {
  return {
    id: plan.id,
    currency: plan.currency,
    totalMinor: plan.totalMinor,
    status: plan.status,
    createdAt: plan.createdAt.toISOString(),
    instalments: plan.instalments.map(({ seq, dueDate, amountMinor, status }) => ({ seq, dueDate, amountMinor, status })),
  };
}

type TimelineItem = Awaited<ReturnType<Store["listTimeline"]>>["items"][number];

/** Folds each message's delivery events into the message entry (latest wins) and keeps the rest in order. */
function withDeliveries(entries: readonly TimelineItem[]) {
  const latest = new Map<string, TimelineItem>();
  for (const entry of entries) {
    if (entry.kind === "delivery" && entry.messageId) {
      const known = latest.get(entry.messageId);
      if (!known || known.occurredAt <= entry.occurredAt) latest.set(entry.messageId, entry);
    }
  }
  return entries
    .filter((entry) => entry.kind !== "delivery")
    .map((entry) => {
      const delivery = entry.messageId ? latest.get(entry.messageId) : undefined;
      return {
        at: entry.occurredAt.toISOString(),
        kind: entry.kind,
        channel: entry.channel ?? null,
        status: entry.status ?? "",
        summary: entry.summary,
        messageId: entry.messageId ?? null,
        delivery: delivery
          ? {
              status: delivery.status ?? "unknown",
              at: delivery.occurredAt.toISOString(),
              detail: typeof delivery.detail?.detail === "string" ? delivery.detail.detail : null,
            }
          : null,
      };
    });
}
