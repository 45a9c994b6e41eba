/**
 * Write-back to Xero, each behind its own switch of the connection: a history note on the invoice,
 * a credit note allocated to the invoice, a late-fee invoice. Every write carries an Idempotency-Key
 * derived from the caller's, so a retried step never writes twice.
 */

import { createHash } from "node:crypto";
import {
  type CalendarDate,
  calendarDateOf,
  formatMinor,
  type Money,
  RelanceError,
  type SendOptions,
  type WriteBackSwitch,
  writeBackSwitchedOff,
} from "@relance/core";
import { CreditNote, CurrencyCode, Invoice, LineAmountTypes } from "xero-node";
import type { XeroAccountingClient } from "./client";
import type { XeroConfig } from "./settings";
import { enumText, nonEmpty } from "./values";

/** Xero limits Idempotency-Key to 128 characters; longer keys are hashed (still stable). */
export function idempotencyKey(key: string, suffix?: string): string {
  const full = suffix ? `${key}:${suffix}` : key;
  return full.length <= 128 ? full : `sha256-${createHash("sha256").update(full).digest("base64url")}`;
}

/** Xero's history note limit. */
const NOTE_MAX = 2500;

function requireSwitch(config: XeroConfig, name: WriteBackSwitch): void {
  if (!config.writeBack[name]) throw writeBackSwitchedOff("Xero", name);
}

/**
 * The allocation of a credit note just created failed: the error names the credit note, so that whoever
 * handles it allocates (or voids) that one in Xero instead of creating a second. Code and retryability
 * are the allocation's: a retry with the same idempotency key gets the same credit note back from Xero
 * (its creation carries its own Idempotency-Key) and only tries the allocation again.
 */
function notAllocated(error: unknown, creditNoteID: string, number: string | undefined, invoiceExternalId: string): unknown {
  if (!(error instanceof RelanceError)) return error;
  const name = number ? `${number} (CreditNoteID ${creditNoteID})` : `CreditNoteID ${creditNoteID}`;
  return new RelanceError(
    error.code,
    `credit note ${name} was created in Xero but not allocated to invoice ${invoiceExternalId}: ${error.message}`,
    {
      retryable: error.retryable,
      ...(error.retryAfterMs === undefined ? {} : { retryAfterMs: error.retryAfterMs }),
      issues: [
        ...error.issues,
        {
          path: "creditNote",
          message: `credit note ${name} was created but not allocated: allocate or void it in Xero, do not create another`,
        },
      ],
      cause: error,
    },
  );
}

function positive(amount: Money): string {
  if (amount.amountMinor <= 0) {
    throw new RelanceError("validation_failed", "the amount must be positive", {
      issues: [{ path: "amount", message: "must be > 0" }],
    });
  }
  return formatMinor(amount.amountMinor, amount.currency);
}

function xeroCurrency(code: string): CurrencyCode {
  const value = CurrencyCode[code as keyof typeof CurrencyCode];
  if (value === undefined) {
    throw new RelanceError("validation_failed", `Xero does not know the currency ${code}`, {
      issues: [{ path: "amount.currency", message: "unsupported" }],
    });
  }
  return value;
}

export function createWriteBack(client: XeroAccountingClient, config: XeroConfig, today: () => CalendarDate) {
  const tenant = client.tenantId;
  return {
    async addInvoiceNote(invoiceExternalId: string, note: string, options: SendOptions): Promise<void> {
      requireSwitch(config, "notes");
      const details = note.trim().slice(0, NOTE_MAX);
      if (!details)
        throw new RelanceError("validation_failed", "the note is empty", { issues: [{ path: "note", message: "required" }] });
      await client.call("invoice note", (api) =>
        api.createInvoiceHistory(
          tenant,
          invoiceExternalId,
          { historyRecords: [{ details }] },
          idempotencyKey(options.idempotencyKey),
        ),
      );
    },

    async createCreditNote(invoiceExternalId: string, amount: Money, reason: string, options: SendOptions): Promise<string> {
      requireSwitch(config, "creditNotes");
      const unitAmount = positive(amount);
      const { body } = await client.call("invoice read", (api) => api.getInvoice(tenant, invoiceExternalId));
      const invoice = body.invoices?.[0];
      const contactID = nonEmpty(invoice?.contact?.contactID);
      if (!invoice || !contactID) throw new RelanceError("not_found", `Xero invoice ${invoiceExternalId} not found`);
      if (enumText(invoice.currencyCode) !== amount.currency) {
        throw new RelanceError(
          "validation_failed",
          `the credit is in ${amount.currency}, the invoice in ${enumText(invoice.currencyCode)}`,
          {
            issues: [{ path: "amount.currency", message: "must match the invoice" }],
          },
        );
      }
      // Credit the revenue account the invoice was posted to.
      const accountCode = nonEmpty(invoice.lineItems?.[0]?.accountCode);
      const date = today();
      const created = await client.call("credit note", (api) =>
        api.createCreditNotes(
          tenant,
          {
            creditNotes: [
              {
                type: CreditNote.TypeEnum.ACCRECCREDIT,
                contact: { contactID },
                date,
                status: CreditNote.StatusEnum.AUTHORISED,
                currencyCode: xeroCurrency(amount.currency),
                lineAmountTypes: LineAmountTypes.NoTax,
                reference: (nonEmpty(invoice.invoiceNumber) ?? invoiceExternalId).slice(0, 255),
                lineItems: [
                  {
                    description: reason.slice(0, 4000) || "Credit",
                    quantity: 1,
                    unitAmount: Number(unitAmount),
                    ...(accountCode ? { accountCode } : {}),
                  },
                ],
              },
            ],
          },
          true,
          undefined,
          idempotencyKey(options.idempotencyKey, "credit-note"),
        ),
      );
      const createdNote = created.body.creditNotes?.[0];
      const creditNoteID = nonEmpty(createdNote?.creditNoteID);
      if (!creditNoteID) throw new RelanceError("provider_rejected", "Xero created no credit note");
      try {
        await client.call("credit note allocation", (api) =>
          api.createCreditNoteAllocation(
            tenant,
            creditNoteID,
            { allocations: [{ amount: Number(unitAmount), date, invoice: { invoiceID: invoiceExternalId } }] },
            true,
            idempotencyKey(options.idempotencyKey, "allocation"),
          ),
        );
      } catch (error) {
        throw notAllocated(error, creditNoteID, nonEmpty(createdNote?.creditNoteNumber), invoiceExternalId);
      }
      return creditNoteID;
    },

    async createLateFeeInvoice(
      debtorExternalId: string,
      amount: Money,
      dueDate: CalendarDate,
      description: string,
      options: SendOptions,
    ): Promise<string> {
      requireSwitch(config, "lateFees");
      const accountCode = config.lateFeeAccountCode;
      if (!accountCode)
        throw new RelanceError("misconfigured", "set lateFeeAccountCode on the Xero connection to write late fees");
      const unitAmount = positive(amount);
      const created = await client.call("late-fee invoice", (api) =>
        api.createInvoices(
          tenant,
          {
            invoices: [
              {
                type: Invoice.TypeEnum.ACCREC,
                contact: { contactID: debtorExternalId },
                date: today(),
                dueDate,
                status: Invoice.StatusEnum.AUTHORISED,
                currencyCode: xeroCurrency(amount.currency),
                lineAmountTypes: LineAmountTypes.NoTax,
                lineItems: [
                  {
                    description: description.slice(0, 4000) || "Late payment fee",
                    quantity: 1,
                    unitAmount: Number(unitAmount),
                    accountCode,
                  },
                ],
              },
            ],
          },
          true,
          undefined,
          idempotencyKey(options.idempotencyKey, "late-fee"),
        ),
      );
      const invoiceID = nonEmpty(created.body.invoices?.[0]?.invoiceID);
      if (!invoiceID) throw new RelanceError("provider_rejected", "Xero created no invoice");
      return invoiceID;
    },
  };
}

export const todayOf = (now: () => Date) => () => calendarDateOf(now().getTime());
