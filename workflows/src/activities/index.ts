/**
 * Activities, built by a factory from their dependencies. `executeStep` is where money-costing or
 * irreversible side effects happen, so it is written for exactly-once:
 *   1. re-read the balance and the disputes right before acting (a payment may have landed a minute ago);
 *   2. claim the outbox row under the step's idempotency key (unique index) BEFORE calling the provider;
 *   3. on a retry whose earlier attempt may have reached the provider, ask the provider (`findSent`)
 *      instead of sending again; a provider that cannot be asked parks the message for a human.
 * Tasks and ledger write-backs are idempotent on the same key.
 */
import { RelanceError } from "@relance/core";
import { activityInfo, heartbeat } from "@temporalio/activity";
import { toCaseInvoice } from "./case-invoice";
import { createStepRunner } from "./execute-step";
import { toActivityFailure } from "./failures";
import type { ActivityDependencies } from "./ports";
import type { CollectionActivities, ExecuteStepInput, ExecuteStepResult } from "./types";

export function createActivities(deps: ActivityDependencies): CollectionActivities {
  const { store } = deps;
  const runStep = createStepRunner(deps);

  return {
    async executeStep(input: ExecuteStepInput): Promise<ExecuteStepResult> {
      // A step run as an activity heartbeats once it runs long (most finish well before, at no cost to the
      // server); as a local activity it cannot, and its workflow task's timeout stands in.
      const beating = activityInfo().isLocal ? undefined : setInterval(() => heartbeat(), 2_000);
      try {
        return await runStep(input);
      } catch (error) {
        // A typed error is retried only when retrying can help (a refusal by the store is final).
        throw toActivityFailure(error);
      } finally {
        clearInterval(beating);
      }
    },

    async recordCase({ tenantId, debtorId, record }) {
      try {
        await store.recordCase(tenantId, debtorId, record);
      } catch (error) {
        throw toActivityFailure(error);
      }
    },

    async closeCase({ tenantId, debtorId, lastStepId }) {
      await store.appendCommunication(tenantId, {
        debtorId,
        kind: "decision",
        status: "closed",
        summary: "case closed: nothing is owed",
        detail: { lastStepId },
      });
    },

    async signalChangedDebtors({ tenantId, importId, offset, limit }) {
      const ids = await store.listImportChangedDebtors(tenantId, importId, offset, limit);
      const signalled = await signal(tenantId, ids, (count) => heartbeat({ offset, signalled: count }));
      return { signalled, nextOffset: ids.length < limit ? null : offset + ids.length };
    },

    async signalDebtors({ tenantId, debtorIds }) {
      return { signalled: await signal(tenantId, debtorIds, (count) => heartbeat({ signalled: count })) };
    },

    async syncLedgerPage(input) {
      const beating = setInterval(() => heartbeat(), 5_000);
      try {
        return await ledgers().syncPage(input);
      } catch (error) {
        throw toActivityFailure(error);
      } finally {
        clearInterval(beating);
      }
    },

    async applyLedgerAction(input) {
      try {
        return await ledgers().applyAction(input);
      } catch (error) {
        throw toActivityFailure(error);
      }
    },

    async ledgerActionFailed(input) {
      try {
        await ledgers().actionFailed(input);
      } catch (error) {
        throw toActivityFailure(error);
      }
    },
  };

  function ledgers() {
    if (!deps.ledgers) throw new RelanceError("misconfigured", "this worker was built without ledger connections");
    return deps.ledgers;
  }

  /** One read for the whole page and the tenant's policies loaded once; a few signals in flight at once. */
  async function signal(tenantId: string, ids: readonly string[], progress: (signalled: number) => void): Promise<number> {
    const readAt = Date.now();
    const [found, openOrUpdate] = await Promise.all([
      store.getDebtorsWithOpenInvoices(tenantId, ids),
      deps.cases.forTenant(tenantId),
    ]);
    let signalled = 0;
    await inParallel(ids, 16, async (debtorId) => {
      const entry = found.get(debtorId);
      if (!entry) return;
      await openOrUpdate(entry.debtor, { invoices: entry.invoices.map(toCaseInvoice), readAt });
      signalled++;
      progress(signalled);
    });
    return signalled;
  }
}

async function inParallel<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await work(item);
    }
  });
  await Promise.all(lanes);
}
