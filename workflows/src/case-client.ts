/** Client-side operations on debtor cases: open or update through signal-with-start, look, pause, resume. */
import { type CaseState, type ErrorCode, type Issue, initialCaseState, RelanceError } from "@relance/core";
import { type Client, WorkflowNotFoundError, WorkflowUpdateFailedError } from "@temporalio/client";
import { ApplicationFailure, TemporalFailure } from "@temporalio/common";
import type { CaseStarter, DebtorRecord, PolicyChooser } from "./activities/ports";
import { debtorWorkflowId } from "./ids";
import { stageSearchAttribute, tenantSearchAttribute } from "./search-attributes";
import {
  type AssignMediatorRequest,
  assignMediatorUpdate,
  type CaseView,
  caseQuery,
  type DebtorProfileRequest,
  debtorProfileUpdate,
  type LedgerUpdate,
  ledgerChangedSignal,
  type MigratePolicyRequest,
  migratePolicyUpdate,
  type OpenDisputeRequest,
  openDisputeUpdate,
  type PaymentPlanRequest,
  type PromiseRequest,
  pauseUpdate,
  paymentPlanUpdate,
  promiseUpdate,
  type ResolveDisputeRequest,
  resolveDisputeUpdate,
  resumeUpdate,
  type TaskOutcomeRequest,
  taskOutcomeUpdate,
} from "./workflows/messages";

export interface CaseClientOptions {
  readonly client: Client;
  readonly taskQueue: string;
  readonly dayMs: number;
  readonly historyLimit: number;
  readonly policyFor: PolicyChooser;
}

export function createCaseStarter(options: CaseClientOptions): CaseStarter {
  return {
    async forTenant(tenantId) {
      const choose = await options.policyFor(tenantId);
      return async (debtor: DebtorRecord, update: LedgerUpdate) => {
        const { invoices } = update;
        const workflowId = debtorWorkflowId(tenantId, debtor.connectionId, debtor.externalId);
        if (!invoices.some((invoice) => invoice.balanceMinor > 0)) {
          // Nothing owed: tell a running case (it will close), never open one.
          try {
            await options.client.workflow.getHandle(workflowId).signal(ledgerChangedSignal, update);
          } catch (error) {
            if (!(error instanceof WorkflowNotFoundError)) throw error;
          }
          return;
        }
        await options.client.workflow.signalWithStart("debtorCollection", {
          workflowId,
          taskQueue: options.taskQueue,
          args: [
            {
              tenantId,
              debtorId: debtor.id,
              policy: choose(debtor, invoices),
              state: { ...initialCaseState(invoices, caseDebtorOf(debtor)), overrides: debtor.overrides },
              dayMs: options.dayMs,
              historyLimit: options.historyLimit,
            },
          ],
          signal: ledgerChangedSignal,
          signalArgs: [update],
          // Set at start (no history event); the workflow changes the stage only when it changes.
          typedSearchAttributes: [
            { key: tenantSearchAttribute, value: tenantId },
            { key: stageSearchAttribute, value: "chasing" },
          ],
        });
      };
    },
  };
}

/** What a case knows of its debtor to plan: segments, B2B/B2C, country. */
export function caseDebtorOf(debtor: DebtorRecord): CaseState["debtor"] {
  return {
    segments: [...debtor.tags],
    ...(debtor.kind ? { kind: debtor.kind } : {}),
    ...(debtor.address?.country ? { country: debtor.address.country } : {}),
  };
}

export type CaseLookup = { state: "open"; view: CaseView } | { state: "none" } | { state: "closed" };

export async function describeCase(client: Client, workflowId: string): Promise<CaseLookup> {
  const handle = client.workflow.getHandle(workflowId);
  try {
    const description = await handle.describe();
    if (description.status.name !== "RUNNING") return { state: "closed" };
    return { state: "open", view: await handle.query(caseQuery) };
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return { state: "none" };
    throw error;
  }
}

/** Every change a person makes to a case, each an update the workflow validates before accepting. */
export type CaseCommand =
  | { readonly type: "pause"; readonly reason?: string }
  | { readonly type: "resume" }
  | { readonly type: "openDispute"; readonly request: OpenDisputeRequest }
  | { readonly type: "assignMediator"; readonly request: AssignMediatorRequest }
  | { readonly type: "resolveDispute"; readonly request: ResolveDisputeRequest }
  | { readonly type: "promise"; readonly request: PromiseRequest }
  | { readonly type: "paymentPlan"; readonly request: PaymentPlanRequest }
  | { readonly type: "taskOutcome"; readonly request: TaskOutcomeRequest }
  | { readonly type: "migratePolicy"; readonly request: MigratePolicyRequest }
  | { readonly type: "debtorProfile"; readonly request: DebtorProfileRequest };

export interface CommandResult {
  /** The id of what the command created (a dispute, a promise, a plan), if anything. */
  readonly id: string | null;
  readonly view: CaseView;
}

/**
 * Sends a command to a running case. A refusal by the case (its validator, or a conflict in the store)
 * comes back as a typed RelanceError with the field it is about.
 */
export async function commandCase(client: Client, workflowId: string, command: CaseCommand): Promise<CommandResult> {
  const handle = client.workflow.getHandle(workflowId);
  const asView = (view: CaseView): CommandResult => ({ id: null, view });
  try {
    switch (command.type) {
      case "pause":
        return asView(
          await handle.executeUpdate(pauseUpdate, { args: [command.reason === undefined ? {} : { reason: command.reason }] }),
        );
      case "resume":
        return asView(await handle.executeUpdate(resumeUpdate));
      case "openDispute":
        return await handle.executeUpdate(openDisputeUpdate, { args: [command.request] });
      case "assignMediator":
        return asView(await handle.executeUpdate(assignMediatorUpdate, { args: [command.request] }));
      case "resolveDispute":
        return asView(await handle.executeUpdate(resolveDisputeUpdate, { args: [command.request] }));
      case "promise":
        return await handle.executeUpdate(promiseUpdate, { args: [command.request] });
      case "paymentPlan":
        return await handle.executeUpdate(paymentPlanUpdate, { args: [command.request] });
      case "taskOutcome":
        return asView(await handle.executeUpdate(taskOutcomeUpdate, { args: [command.request] }));
      case "migratePolicy":
        return asView(await handle.executeUpdate(migratePolicyUpdate, { args: [command.request] }));
      case "debtorProfile":
        return asView(await handle.executeUpdate(debtorProfileUpdate, { args: [command.request] }));
    }
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) throw new RelanceError("conflict", "this debtor has no open case");
    if (error instanceof WorkflowUpdateFailedError) throw refusalOf(error);
    throw error;
  }
}

const REFUSAL_CODES: ReadonlySet<string> = new Set(["validation_failed", "not_found", "conflict", "forbidden"]);

/** The innermost typed failure behind a refused update (a validator, or an activity it ran). */
function refusalOf(error: WorkflowUpdateFailedError): RelanceError {
  let cause: unknown = error.cause;
  while (cause instanceof TemporalFailure) {
    if (cause instanceof ApplicationFailure && cause.type && REFUSAL_CODES.has(cause.type)) {
      const [issues] = (cause.details ?? []) as [Issue[] | undefined];
      return new RelanceError(cause.type as ErrorCode, cause.message, { issues: Array.isArray(issues) ? issues : [] });
    }
    cause = cause.cause;
  }
  return new RelanceError("conflict", error.cause instanceof Error ? error.cause.message : "the case refused the change");
}
