/** The activities' view of the store (their port), filled by the real store. */
import { formatMoney, isRelanceError, type Logger, money, RelanceError } from "@relance/core";
import type { Store } from "@relance/store";
import type { CaseRecord, CollectionStore } from "@relance/workflows";
import type { WriteBacks } from "./ledger/write-back";

export function collectionStore(store: Store, writeBacks: WriteBacks, logger?: Logger): CollectionStore {
  /** After a message is sent: a note on the invoices it was about, in ledgers that take notes. */
  async function noteInLedger(
    tenantId: string,
    outboxId: string,
    entry: { debtorId: string; connectionId: string; channel: string; summary: string },
  ) {
    // Asked for every message sent: the answer is cached, so a ledger without notes costs no query here.
    if (!(await writeBacks.supports(tenantId, entry.connectionId, "note"))) return;
    const invoices = await store.getOpenInvoices(tenantId, entry.debtorId);
    if (invoices.length === 0) return;
    const action = await store.requestLedgerAction(tenantId, {
      idempotencyKey: `note:${outboxId}`,
      debtorId: entry.debtorId,
      connectionId: entry.connectionId,
      kind: "note",
      payload: {
        invoiceExternalIds: invoices.map((invoice) => invoice.externalId),
        note: `Relance: ${entry.summary} (${entry.channel}, ${new Date().toISOString().slice(0, 10)})`,
      },
    });
    await writeBacks.dispatch(action);
  }

  /**
   * A record written by a retried activity may already be there: a state change that already happened
   * (the same dispute resolved the same way) is success, anything else stays a conflict.
   */
  async function once<T>(write: () => Promise<T>, alreadyDone: () => Promise<boolean>): Promise<T | undefined> {
    try {
      return await write();
    } catch (error) {
      if (isRelanceError(error) && error.code === "conflict" && (await alreadyDone())) return undefined;
      throw error;
    }
  }

  async function note(
    tenantId: string,
    debtorId: string,
    entry: {
      kind: Parameters<Store["appendCommunication"]>[1]["kind"];
      status: string;
      summary: string;
      detail?: Record<string, unknown>;
    },
  ) {
    await store.appendCommunication(tenantId, { debtorId, ...entry, occurredAt: new Date() });
  }

  async function recordCase(tenantId: string, debtorId: string, record: CaseRecord): Promise<void> {
    switch (record.type) {
      case "dispute_opened": {
        const dispute = await store.openDispute(tenantId, {
          id: record.disputeId,
          invoiceId: record.invoiceId,
          debtorId,
          amountMinor: record.amountMinor,
          reason: record.reason,
          ...(record.comment === undefined ? {} : { comment: record.comment }),
          createdBy: record.openedBy,
        });
        await note(tenantId, debtorId, {
          kind: "dispute",
          status: "opened",
          summary: `dispute opened on ${formatMoney(money(dispute.amountMinor, dispute.currency), "en")} of an invoice (${record.reason.replace(/_/g, " ")}): that amount leaves the chase`,
          detail: {
            disputeId: dispute.id,
            invoiceId: dispute.invoiceId,
            reason: record.reason,
            comment: record.comment ?? null,
            by: record.openedBy,
          },
        });
        return;
      }
      case "mediator_assigned": {
        await store.assignMediator(tenantId, record.disputeId, { mediator: record.mediator, slaDueAt: new Date(record.slaAt) });
        await note(tenantId, debtorId, {
          kind: "mediation",
          status: "mediator_assigned",
          summary: `mediator ${record.mediator.name} assigned; decision due by ${new Date(record.slaAt).toISOString()}`,
          detail: { disputeId: record.disputeId, mediator: record.mediator },
        });
        if (record.mediator.kind === "user") {
          await store.createTask(tenantId, {
            idempotencyKey: `mediation:${record.disputeId}`,
            debtorId,
            kind: "mediation",
            title: `Mediate the dispute ${record.disputeId}`,
            detail: { disputeId: record.disputeId },
            dueAt: new Date(record.slaAt),
            assignee: record.mediator.userId,
          });
        }
        return;
      }
      case "dispute_resolved": {
        const resolution =
          record.outcome === "partly_upheld"
            ? { status: record.outcome, upheldMinor: record.upheldMinor, explanation: record.explanation }
            : record.outcome === "rejected"
              ? { status: record.outcome, explanation: record.explanation }
              : { status: record.outcome, explanation: record.explanation };
        const dispute = await once(
          () => store.resolveDispute(tenantId, record.disputeId, resolution),
          async () => (await store.getDispute(tenantId, record.disputeId))?.status === record.outcome,
        );
        const current = dispute ?? (await store.getDispute(tenantId, record.disputeId));
        await note(tenantId, debtorId, {
          kind: "dispute",
          status: record.outcome,
          summary: `dispute ${record.outcome.replace(/_/g, " ")}${record.explanation ? `: ${record.explanation}` : ""}`,
          detail: { disputeId: record.disputeId, upheldMinor: record.upheldMinor, by: record.resolvedBy },
        });
        // The mediator's task ends with the dispute.
        const open = await store.listTasks(tenantId, { limit: 100, status: "open", kind: "mediation", debtorId });
        for (const task of open.items.filter((candidate) => candidate.detail.disputeId === record.disputeId)) {
          await once(
            () => store.completeTask(tenantId, task.id, { note: `dispute ${record.outcome.replace(/_/g, " ")}` }),
            async () => (await store.getTask(tenantId, task.id))?.status === "done",
          );
        }
        if (record.creditNoteKey && current && record.upheldMinor > 0) {
          await requestCreditNote(
            tenantId,
            debtorId,
            record.creditNoteKey,
            current.invoiceId,
            money(record.upheldMinor, current.currency),
            record.explanation,
          );
        }
        return;
      }
      case "mediation_overdue": {
        const task = await store.createTask(tenantId, {
          idempotencyKey: record.taskKey,
          debtorId,
          kind: "mediation",
          title: `Mediation overdue: decide the dispute ${record.disputeId}`,
          detail: { disputeId: record.disputeId },
        });
        if (task.created) {
          await note(tenantId, debtorId, {
            kind: "mediation",
            status: "overdue",
            summary: "mediation passed its deadline: handed to a person",
            detail: { disputeId: record.disputeId, taskId: task.id },
          });
        }
        return;
      }
      case "promise_made": {
        await store.createPromise(tenantId, {
          id: record.promiseId,
          debtorId,
          promisedDate: record.promisedDate,
          amountMinor: record.amountMinor,
          currency: record.currency,
          invoiceIds: record.invoiceIds,
          source: record.source as "api",
        });
        await note(tenantId, debtorId, {
          kind: "promise",
          status: "made",
          summary: `promise to pay ${formatMoney(money(record.amountMinor, record.currency), "en")} by ${record.promisedDate}: chasing waits`,
          detail: { promiseId: record.promiseId, source: record.source },
        });
        return;
      }
      case "promise_settled": {
        await once(
          () => store.settlePromise(tenantId, record.promiseId, record.status),
          async () => (await store.getPromise(tenantId, record.promiseId))?.status === record.status,
        );
        await note(tenantId, debtorId, {
          kind: "promise",
          status: record.status,
          summary:
            record.status === "kept"
              ? "promise kept: the promised amount was paid"
              : record.status === "broken"
                ? "promise broken: nothing (or not enough) paid by the promised date and its grace days; escalation resumes one level higher"
                : "promise replaced",
          detail: { promiseId: record.promiseId },
        });
        return;
      }
      case "plan_agreed": {
        const total = record.instalments.reduce((sum, instalment) => sum + instalment.amountMinor, 0);
        await store.createPlan(
          tenantId,
          {
            id: record.planId,
            debtorId,
            currency: record.currency,
            totalMinor: total,
            invoiceIds: record.invoiceIds,
            instalments: record.instalments,
          },
          {
            maxInstalments: record.rules.maxInstalments,
            minInstalmentMinor: record.rules.minInstalmentMinor,
            today: record.rules.today,
          },
        );
        await note(tenantId, debtorId, {
          kind: "plan",
          status: "agreed",
          summary: `payment plan of ${record.instalments.length} instalment(s), ${formatMoney(money(total, record.currency), "en")} in all: the ladder gives way to instalment reminders`,
          detail: { planId: record.planId, instalments: record.instalments },
        });
        return;
      }
      case "plan_ended": {
        await once(
          () => store.endPlan(tenantId, record.planId, record.status),
          async () => (await store.getPlan(tenantId, record.planId))?.status === record.status,
        );
        await note(tenantId, debtorId, {
          kind: "plan",
          status: record.status,
          summary:
            record.status === "completed"
              ? "payment plan completed"
              : record.status === "broken"
                ? `payment plan broken: instalment ${record.instalment ?? "?"} missed after its grace days; escalation resumes`
                : "payment plan cancelled",
          detail: { planId: record.planId, ...(record.instalment === undefined ? {} : { instalment: record.instalment }) },
        });
        return;
      }
      case "task_outcome": {
        const outcome = record.outcome === "done" ? null : record.outcome;
        await once(
          () => store.completeTask(tenantId, record.taskId, { outcome: outcome as never, note: record.note ?? null }),
          async () => {
            const task = await store.getTask(tenantId, record.taskId);
            return task?.status === "done" && task.outcome === outcome;
          },
        );
        await note(tenantId, debtorId, {
          kind: "task",
          status: record.outcome,
          summary: `task done: ${record.outcome.replace(/_/g, " ")}${record.note ? ` (${record.note})` : ""}`,
          detail: { taskId: record.taskId },
        });
        return;
      }
      case "ladder_complete": {
        const name = record.debtorName ?? (await store.getDebtor(tenantId, debtorId))?.name;
        const task = await store.createTask(tenantId, {
          idempotencyKey: record.taskKey,
          debtorId,
          kind: "review",
          title: `The ladder is complete for ${name ?? "this debtor"}: decide what comes next`,
          detail: { lastStepId: record.lastStepId },
        });
        if (task.created) {
          await note(tenantId, debtorId, {
            kind: "decision",
            status: "ladder_complete",
            summary: `ladder complete after ${record.lastStepId ?? "no step"}: handed to a person`,
            detail: { taskId: task.id },
          });
        }
        return;
      }
      case "segment_added": {
        const debtor = await store.getDebtor(tenantId, debtorId);
        if (debtor && !debtor.tags.includes(record.segment))
          await store.setDebtorTags(tenantId, debtorId, [...debtor.tags, record.segment]);
        await note(tenantId, debtorId, {
          kind: "decision",
          status: "segment",
          summary: `debtor marked ${record.segment.replace(/_/g, " ")}`,
        });
        return;
      }
      case "late_fee_requested": {
        const debtor = await store.getDebtor(tenantId, debtorId);
        if (debtor) {
          const action = await store.requestLedgerAction(tenantId, {
            idempotencyKey: record.idempotencyKey,
            debtorId,
            connectionId: debtor.connectionId,
            kind: "late_fee",
            payload: { fees: record.fees },
          });
          // Also when an earlier attempt requested it but died before starting the write.
          if (action.status === "pending") await writeBacks.dispatch(action);
        }
        await note(tenantId, debtorId, {
          kind: "decision",
          status: "late_fee_requested",
          summary: record.summary,
          detail: { stepId: record.stepId, fees: record.fees, idempotencyKey: record.idempotencyKey, ledgerAction: "late_fee" },
        });
        return;
      }
      case "note": {
        await note(tenantId, debtorId, {
          kind: "decision",
          status: record.status,
          summary: record.summary,
          ...(record.detail ? { detail: record.detail } : {}),
        });
        return;
      }
    }
  }

  async function requestCreditNote(
    tenantId: string,
    debtorId: string,
    key: string,
    invoiceId: string,
    amount: { amountMinor: number; currency: string },
    reason: string,
  ) {
    const debtor = await store.getDebtor(tenantId, debtorId);
    if (!debtor) return;
    const action = await store.requestLedgerAction(tenantId, {
      idempotencyKey: key,
      debtorId,
      connectionId: debtor.connectionId,
      kind: "credit_note",
      payload: { invoiceId, amountMinor: amount.amountMinor, currency: amount.currency, reason },
    });
    if (action.created) {
      await note(tenantId, debtorId, {
        kind: "dispute",
        status: "credit_note_requested",
        summary: `credit note of ${formatMoney(money(amount.amountMinor, amount.currency), "en")} requested from the ledger`,
        detail: { ledgerActionId: action.id, invoiceId },
      });
    }
    // Also when an earlier attempt requested it but died before starting the write (the start is idempotent).
    if (action.status !== "pending") return;
    await writeBacks.dispatch(action);
  }

  return {
    getTenant: (tenantId) => store.getTenant(tenantId),
    getDebtor: (tenantId, debtorId) => store.getDebtor(tenantId, debtorId),
    getDebtorsWithOpenInvoices: (tenantId, debtorIds) => store.getDebtorsWithOpenInvoices(tenantId, debtorIds),
    getStepContext: (tenantId, debtorId) => store.getStepContext(tenantId, debtorId),
    claimOutbox: (tenantId, entry) => store.claimOutbox(tenantId, entry),
    markOutboxSending: (tenantId, id) => store.markOutboxSending(tenantId, id),
    async markOutboxSent(tenantId, id, externalId) {
      await store.markOutboxSent(tenantId, id, externalId);
    },
    async markOutboxSentAndRecord(tenantId, id, externalId, entry) {
      await store.markOutboxSentAndRecord(tenantId, id, externalId, entry);
      // The message is out: a note that cannot be requested now must not make the step fail (and retry).
      await noteInLedger(tenantId, id, entry).catch((error: unknown) =>
        logger?.warn({ tenantId, messageId: id, error: (error as Error).message }, "ledger note not requested"),
      );
    },
    async markOutboxInDoubt(tenantId, id, reason) {
      await store.markOutboxInDoubt(tenantId, id, reason);
    },
    async markOutboxFailed(tenantId, id, error) {
      await store.markOutboxFailed(tenantId, id, error);
    },
    async appendCommunication(tenantId, entry) {
      await store.appendCommunication(tenantId, { ...entry, occurredAt: entry.occurredAt ?? new Date() });
    },
    async listCommunications(tenantId, debtorId) {
      const items = [];
      let cursor: string | undefined;
      do {
        const page = await store.listTimeline(tenantId, debtorId, { limit: 500, ...(cursor ? { cursor } : {}) });
        items.push(...page.items);
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      return items.map((entry) => ({
        at: entry.occurredAt,
        kind: entry.kind,
        channel: entry.channel ?? null,
        status: entry.status ?? null,
        summary: entry.summary,
      }));
    },
    async createTask(tenantId, task) {
      const created = await store.createTask(tenantId, {
        idempotencyKey: task.idempotencyKey,
        debtorId: task.debtorId,
        kind: task.kind,
        title: task.title,
        detail: task.detail,
        ...(task.dueAt ? { dueAt: task.dueAt } : {}),
      });
      return { id: created.id, created: created.created };
    },
    recordCase,
    async listImportChangedDebtors(tenantId, importId, offset, limit) {
      const row = await store.db
        .selectFrom("imports")
        .select("summary")
        .where("tenant_id", "=", tenantId)
        .where("id", "=", importId)
        .executeTakeFirst();
      if (!row) {
        // The sync workflow is started just before the import commits: until then, ask again.
        throw new RelanceError("not_found", `import ${importId} is not visible yet`, { retryable: true });
      }
      const ids = (row.summary as { changedDebtorIds?: unknown }).changedDebtorIds;
      return Array.isArray(ids) ? ids.filter((id): id is string => typeof id === "string").slice(offset, offset + limit) : [];
    },
  };
}
