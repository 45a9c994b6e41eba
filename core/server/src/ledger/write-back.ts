/**
 * Write-backs to the ledger: requested by the cases (a credit note for an upheld dispute, a late-fee
 * invoice) or after each message sent (a note on the invoices it was about). A connection whose connector
 * can make the write gets a `ledgerWriteBack` workflow (retried, then a task); any other leaves it to a
 * person with a task, as before. A write the connection has switched off is recorded as not supported.
 */
import { type ConnectorPlugin, formatMoney, isRelanceError, isWriteBackSwitchedOff, money, RelanceError } from "@relance/core";
import type { LedgerAction, Store } from "@relance/store";
import { type LedgerActionInput, type LedgerActionResult, writeBackWorkflowId } from "@relance/workflows";
import type { Client } from "@temporalio/client";
import type { ConnectorFactory } from "./connectors";

type WriteBack = NonNullable<ConnectorPlugin["writeBack"]>;
const METHOD: Record<LedgerAction["kind"], keyof WriteBack> = {
  note: "addInvoiceNote",
  credit_note: "createCreditNote",
  late_fee: "createLateFeeInvoice",
};
const WHAT: Record<LedgerAction["kind"], string> = {
  note: "note",
  credit_note: "credit note",
  late_fee: "late fee invoice",
};

export interface WriteBacks {
  /** Whether the connection's connector makes this kind of write at all (notes are only requested then). */
  supports(tenantId: string, connectionId: string, kind: LedgerAction["kind"]): Promise<boolean>;
  /**
   * Sends a requested action on its way: to the ledger when its connector can make it (idempotent on the
   * action id), else to a person with a task.
   */
  dispatch(action: LedgerAction): Promise<void>;
  apply(input: LedgerActionInput): Promise<LedgerActionResult>;
  failed(input: LedgerActionInput & { readonly error: string }): Promise<void>;
}

export function createWriteBacks(options: {
  readonly store: Store;
  readonly connectors: ConnectorFactory;
  readonly client: Client;
  readonly taskQueue: string;
}): WriteBacks {
  const { store, connectors } = options;
  // Asked for every message sent (may a note follow?), so each answer is kept a minute.
  const supportCache = new Map<string, { supported: boolean; until: number }>();

  async function connectorOf(tenantId: string, connectionId: string): Promise<ConnectorPlugin | undefined> {
    const connection = await store.getConnection(tenantId, connectionId);
    if (connection?.kind !== "connector") return undefined;
    try {
      return await connectors.connectorFor(connection);
    } catch {
      return undefined;
    }
  }

  async function leaveToPerson(action: LedgerAction, reason: string, status: "not_supported" | "failed") {
    await store.markLedgerAction(action.tenantId, action.id, { status, error: reason });
    await store.createTask(action.tenantId, {
      idempotencyKey: `write-back:${action.idempotencyKey}`,
      debtorId: action.debtorId,
      kind: "write_back",
      title: `Enter the ${WHAT[action.kind]} in the ledger`,
      detail: { ledgerActionId: action.id, reason },
    });
  }

  async function supports(tenantId: string, connectionId: string, kind: LedgerAction["kind"]): Promise<boolean> {
    const key = `${tenantId}:${connectionId}:${kind}`;
    const cached = supportCache.get(key);
    if (cached && cached.until > Date.now()) return cached.supported;
    const connector = await connectorOf(tenantId, connectionId);
    const supported = typeof connector?.writeBack?.[METHOD[kind]] === "function";
    supportCache.set(key, { supported, until: Date.now() + 60_000 });
    return supported;
  }

  async function invoiceExternalId(tenantId: string, invoiceId: string): Promise<string> {
    const row = await store.db
      .selectFrom("invoices")
      .select("external_id")
      .where("tenant_id", "=", tenantId)
      .where("id", "=", invoiceId)
      .executeTakeFirst();
    if (!row) throw new RelanceError("not_found", `invoice ${invoiceId} not found`);
    return row.external_id;
  }

  return {
    supports,

    async dispatch(action) {
      if (!(await supports(action.tenantId, action.connectionId, action.kind))) {
        await leaveToPerson(action, "this ledger connection cannot be written to", "not_supported");
        return;
      }
      await options.client.workflow
        .start("ledgerWriteBack", {
          workflowId: writeBackWorkflowId(action.tenantId, action.id),
          taskQueue: options.taskQueue,
          args: [{ tenantId: action.tenantId, actionId: action.id }],
          workflowIdReusePolicy: "REJECT_DUPLICATE",
        })
        .catch((error: unknown) => {
          if ((error as { name?: string }).name !== "WorkflowExecutionAlreadyStartedError") throw error;
        });
    },

    async apply({ tenantId, actionId }) {
      const action = await store.getLedgerAction(tenantId, actionId);
      if (!action) throw new RelanceError("not_found", `ledger action ${actionId} not found`);
      if (action.status === "done") return { status: "done" };
      if (action.status === "not_supported") return { status: "left_to_person", reason: action.lastError ?? "not supported" };
      const connector = await connectorOf(tenantId, action.connectionId);
      const writeBack = connector?.writeBack;
      const options = { idempotencyKey: action.idempotencyKey };
      const payload = action.payload;
      try {
        let externalId: string | undefined;
        if (action.kind === "note" && writeBack?.addInvoiceNote) {
          for (const invoice of payload.invoiceExternalIds as string[]) {
            await writeBack.addInvoiceNote(invoice, String(payload.note), {
              idempotencyKey: `${action.idempotencyKey}:${invoice}`,
            });
          }
        } else if (action.kind === "credit_note" && writeBack?.createCreditNote) {
          const invoice = await invoiceExternalId(tenantId, String(payload.invoiceId));
          externalId = await writeBack.createCreditNote(
            invoice,
            money(Number(payload.amountMinor), String(payload.currency)),
            String(payload.reason),
            options,
          );
        } else if (action.kind === "late_fee" && writeBack?.createLateFeeInvoice) {
          const debtor = await store.getDebtor(tenantId, action.debtorId);
          if (!debtor) throw new RelanceError("not_found", `debtor ${action.debtorId} not found`);
          const fees = payload.fees as { number: string; currency: string; amountMinor: number }[];
          const ids: string[] = [];
          for (const fee of fees) {
            const amount = money(fee.amountMinor, fee.currency);
            ids.push(
              await writeBack.createLateFeeInvoice(
                debtor.externalId,
                amount,
                new Date().toISOString().slice(0, 10),
                `Late payment charges on invoice ${fee.number}: ${formatMoney(amount, "en")}`,
                { idempotencyKey: `${action.idempotencyKey}:${fee.number}` },
              ),
            );
          }
          externalId = ids.join(",");
        } else {
          await leaveToPerson(action, "this ledger connection cannot make this write", "not_supported");
          return { status: "left_to_person", reason: "not supported" };
        }
        await store.markLedgerAction(tenantId, actionId, { status: "done" });
        await store.appendCommunication(tenantId, {
          debtorId: action.debtorId,
          kind: "write_back",
          status: "done",
          summary: `${WHAT[action.kind]} written to the ledger${externalId ? ` (${externalId})` : ""}`,
          detail: { ledgerActionId: action.id, ...(externalId ? { externalId } : {}) },
          occurredAt: new Date(),
        });
        return externalId ? { status: "done", externalId } : { status: "done" };
      } catch (error) {
        // Switched off for this connection: a person makes it (notes are simply not written).
        if (isWriteBackSwitchedOff(error)) {
          if (action.kind === "note") {
            await store.markLedgerAction(tenantId, actionId, { status: "not_supported", error: error.message });
          } else {
            await leaveToPerson(action, error.message, "not_supported");
          }
          return { status: "left_to_person", reason: error.message };
        }
        if (isRelanceError(error) && !error.retryable) {
          await store.markLedgerAction(tenantId, actionId, { status: "failed", error: error.message });
        }
        throw error;
      }
    },

    async failed({ tenantId, actionId, error }) {
      const action = await store.getLedgerAction(tenantId, actionId);
      if (!action || action.status === "done") return;
      await leaveToPerson(action, `the ledger refused or kept failing: ${error}`, "failed");
    },
  };
}
