/** Client-side operations on debtor cases: open or update through signal-with-start, look, pause, resume. */
import { type CaseSnapshot, hasBalance, type LadderPolicy } from "@relance/core";
import { type Client, WorkflowNotFoundError } from "@temporalio/client";
import type { CaseStarter, DebtorRecord } from "./activities/ports";
import { debtorWorkflowId } from "./ids";
import { stageSearchAttribute, tenantSearchAttribute } from "./search-attributes";
import { type CaseView, caseQuery, ledgerChangedSignal, pauseUpdate, resumeUpdate } from "./workflows/messages";

export interface CaseClientOptions {
  readonly client: Client;
  readonly taskQueue: string;
  readonly dayMs: number;
  readonly policyFor: (tenantId: string) => Promise<LadderPolicy>;
}

export function createCaseStarter(options: CaseClientOptions): CaseStarter {
  return {
    async openOrUpdate(tenantId, debtor: DebtorRecord, snapshot: CaseSnapshot) {
      const workflowId = debtorWorkflowId(tenantId, debtor.connectionId, debtor.externalId);
      if (!hasBalance(snapshot)) {
        // Nothing owed: tell a running case (it will close), never open one.
        try {
          await options.client.workflow.getHandle(workflowId).signal(ledgerChangedSignal, snapshot);
        } catch (error) {
          if (!(error instanceof WorkflowNotFoundError)) throw error;
        }
        return;
      }
      await options.client.workflow.signalWithStart("debtorCollection", {
        workflowId,
        taskQueue: options.taskQueue,
        args: [{ tenantId, debtorId: debtor.id, policy: await options.policyFor(tenantId), snapshot, dayMs: options.dayMs }],
        signal: ledgerChangedSignal,
        signalArgs: [snapshot],
        // Set at start (no history event); the workflow changes the stage only on pause, resume and close.
        typedSearchAttributes: [
          { key: tenantSearchAttribute, value: tenantId },
          { key: stageSearchAttribute, value: "active" },
        ],
      });
    },
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

export async function setCasePaused(client: Client, workflowId: string, paused: boolean, reason?: string): Promise<CaseView> {
  const handle = client.workflow.getHandle(workflowId);
  return paused
    ? handle.executeUpdate(pauseUpdate, { args: [reason === undefined ? {} : { reason }] })
    : handle.executeUpdate(resumeUpdate);
}
