/**
 * One sync of a ledger connection: page after page of changes since its watermark (or the records a
 * webhook named), each page stored by an activity before the next is asked for, and the cases of the
 * debtors whose balance changed signalled after each page. Started by the connection's Schedule, by
 * "sync now", or by a webhook. A rate-limited page is retried after the delay the ledger asked for.
 */
import type { LedgerChange } from "@relance/core/workflow";
import { continueAsNew, proxyActivities, workflowInfo } from "@temporalio/workflow";
import type { CollectionActivities } from "../activities/types";

const { syncLedgerPage } = proxyActivities<CollectionActivities>({
  startToCloseTimeout: "10 minutes",
  heartbeatTimeout: "1 minute",
  retry: { initialInterval: "2 seconds", backoffCoefficient: 2, maximumInterval: "5 minutes", maximumAttempts: 20 },
});

const { signalDebtors } = proxyActivities<CollectionActivities>({
  startToCloseTimeout: "5 minutes",
  heartbeatTimeout: "1 minute",
  retry: { initialInterval: "1 second", maximumInterval: "30 seconds", maximumAttempts: 30 },
});

export interface ConnectionSyncInput {
  readonly tenantId: string;
  readonly connectionId: string;
  readonly changes?: readonly LedgerChange[];
  /** Set when a long sync continues as new. */
  readonly cursor?: string;
}

export interface ConnectionSyncResult {
  readonly status: "synced" | "paused";
  readonly pages: number;
  readonly records: number;
  readonly signalled: number;
  readonly reason?: string;
}

export async function connectionSync(input: ConnectionSyncInput): Promise<ConnectionSyncResult> {
  let cursor = input.cursor;
  let pages = 0;
  let records = 0;
  let signalled = 0;
  for (;;) {
    const page = await syncLedgerPage({
      tenantId: input.tenantId,
      connectionId: input.connectionId,
      ...(cursor === undefined ? {} : { cursor }),
      ...(input.changes ? { changes: input.changes } : {}),
    });
    if (page.status === "paused") return { status: "paused", pages, records, signalled, reason: page.reason };
    pages++;
    records += page.records;
    if (page.changedDebtorIds.length > 0) {
      signalled += (await signalDebtors({ tenantId: input.tenantId, debtorIds: page.changedDebtorIds })).signalled;
    }
    if (page.cursor === undefined || input.changes) return { status: "synced", pages, records, signalled };
    cursor = page.cursor;
    if (workflowInfo().continueAsNewSuggested) {
      await continueAsNew<typeof connectionSync>({ tenantId: input.tenantId, connectionId: input.connectionId, cursor });
    }
  }
}
