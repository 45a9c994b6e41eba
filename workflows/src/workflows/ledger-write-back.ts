/**
 * One write-back to a ledger (a note on an invoice, a credit note, a late-fee invoice). It never blocks
 * collection: it runs on its own, is retried with backoff for about an hour, and then becomes a task for
 * a person. The connector receives the action's idempotency key, so a retry never writes twice.
 */
import { ActivityFailure, proxyActivities } from "@temporalio/workflow";
import type { CollectionActivities } from "../activities/types";

const { applyLedgerAction } = proxyActivities<CollectionActivities>({
  startToCloseTimeout: "2 minutes",
  retry: { initialInterval: "10 seconds", backoffCoefficient: 2, maximumInterval: "15 minutes", maximumAttempts: 8 },
});

const { ledgerActionFailed } = proxyActivities<CollectionActivities>({
  startToCloseTimeout: "1 minute",
  retry: { initialInterval: "1 second", maximumInterval: "1 minute" },
});

export interface LedgerWriteBackInput {
  readonly tenantId: string;
  readonly actionId: string;
}

export async function ledgerWriteBack(input: LedgerWriteBackInput): Promise<"done" | "left_to_person"> {
  try {
    const result = await applyLedgerAction(input);
    return result.status;
  } catch (error) {
    if (!(error instanceof ActivityFailure)) throw error;
    await ledgerActionFailed({ ...input, error: error.cause?.message ?? error.message });
    return "left_to_person";
  }
}
