/**
 * After a ledger import is stored: signal-with-start the case of every debtor whose balance changed,
 * in pages, so a large import never puts thousands of ids in one payload.
 */
import { proxyActivities } from "@temporalio/workflow";
import type { CollectionActivities } from "../activities/types";

const { signalChangedDebtors } = proxyActivities<CollectionActivities>({
  startToCloseTimeout: "5 minutes",
  heartbeatTimeout: "1 minute",
  retry: { initialInterval: "1 second", maximumInterval: "30 seconds", maximumAttempts: 30 },
});

export interface LedgerSyncInput {
  readonly tenantId: string;
  readonly importId: string;
}

export async function ledgerSync(input: LedgerSyncInput): Promise<{ signalled: number }> {
  let offset = 0;
  let signalled = 0;
  for (;;) {
    const page = await signalChangedDebtors({ ...input, offset, limit: 500 });
    signalled += page.signalled;
    if (page.nextOffset === null) return { signalled };
    offset = page.nextOffset;
  }
}
