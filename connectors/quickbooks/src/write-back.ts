/**
 * Writing to the ledger, each behind its own switch in the connection's config. Every write carries
 * Intuit's `requestid` derived from our idempotency key, so a retried write lands once.
 */
import { createHash } from "node:crypto";
import {
  type CalendarDate,
  type Clock,
  calendarDateOf,
  formatMinor,
  type Money,
  RelanceError,
  type SendOptions,
  writeBackSwitchedOff,
} from "@relance/core";
import { z } from "zod";
import type { QboClient } from "./client";
import { qboInvoiceSchema } from "./qbo-types";
import type { QuickBooksConfig } from "./settings";

/** QuickBooks keeps at most 4,000 characters of PrivateNote. */
const PRIVATE_NOTE_MAX = 4000;

/**
 * Intuit's requestid must be unique per request and short; our keys ({workflowId}:{stepId}) can be
 * long, so the id is a digest of the key.
 */
export function requestIdOf(idempotencyKey: string, attempt = 0): string {
  return createHash("sha256").update(`${idempotencyKey}#${attempt}`).digest("hex").slice(0, 36);
}

const amountOf = (money: Money) => Number(formatMinor(money.amountMinor, money.currency));

const createdSchema = z.object({ Id: z.string().min(1) }).loose();
const itemLineSchema = z
  .object({
    DetailType: z.literal("SalesItemLineDetail"),
    SalesItemLineDetail: z.object({ ItemRef: z.object({ value: z.string() }).loose() }).loose(),
  })
  .loose();

function unexpected(what: string): RelanceError {
  return new RelanceError("provider_unavailable", `QuickBooks answered ${what} in an unexpected shape`, { retryable: true });
}

/** Appends `line` and drops the oldest lines when the note would outgrow QuickBooks' limit. */
export function appendNote(existing: string | undefined, line: string): string {
  const lines = [...(existing ? existing.split("\n") : []), line];
  while (lines.length > 1 && lines.join("\n").length > PRIVATE_NOTE_MAX) lines.shift();
  return lines.join("\n").slice(-PRIVATE_NOTE_MAX);
}

export function createWriteBack(client: QboClient, config: QuickBooksConfig, clock: Clock) {
  const today = (): CalendarDate => calendarDateOf(clock.now().getTime());

  async function readInvoice(id: string) {
    const parsed = qboInvoiceSchema.safeParse(await client.getInvoice(id));
    if (!parsed.success) throw unexpected(`invoice ${id}`);
    return parsed.data;
  }

  async function addInvoiceNote(invoiceExternalId: string, note: string, options: SendOptions): Promise<void> {
    if (!config.writeBack.notes) throw writeBackSwitchedOff("QuickBooks", "notes");
    const line = `${today()} ${note.replace(/\s+/g, " ").trim()}`;
    for (let attempt = 0; ; attempt += 1) {
      const invoice = await readInvoice(invoiceExternalId);
      try {
        await client.updateInvoice(
          {
            Id: invoice.Id,
            SyncToken: invoice.SyncToken ?? "0",
            sparse: true,
            PrivateNote: appendNote(invoice.PrivateNote, line),
          },
          requestIdOf(options.idempotencyKey, attempt),
        );
        return;
      } catch (error) {
        // Someone edited the invoice between our read and our write: read again, once.
        if (attempt === 0 && error instanceof RelanceError && error.code === "conflict") continue;
        throw error;
      }
    }
  }

  async function createCreditNote(invoiceExternalId: string, amount: Money, reason: string, options: SendOptions) {
    if (!config.writeBack.creditNotes) throw writeBackSwitchedOff("QuickBooks", "creditNotes");
    const invoice = await readInvoice(invoiceExternalId);
    const currency = invoice.CurrencyRef?.value;
    if (currency !== undefined && currency !== amount.currency) {
      throw new RelanceError("validation_failed", `the credit is in ${amount.currency}, the invoice in ${currency}`, {
        issues: [{ path: "amount.currency", message: `must be ${currency}` }],
      });
    }
    // A credit memo line needs an item: the invoice's first one keeps the credit on what was sold.
    const lines = z.array(z.unknown()).safeParse(invoice.Line);
    const item = (lines.success ? lines.data : []).map((line) => itemLineSchema.safeParse(line)).find((line) => line.success)
      ?.data?.SalesItemLineDetail.ItemRef.value;
    if (item === undefined) {
      throw new RelanceError("provider_rejected", `QuickBooks invoice ${invoiceExternalId} has no item line to credit`);
    }
    const value = amountOf(amount);
    const created = createdSchema.safeParse(
      await client.createCreditMemo(
        {
          CustomerRef: { value: invoice.CustomerRef.value },
          ...(currency === undefined ? {} : { CurrencyRef: { value: currency } }),
          TxnDate: today(),
          PrivateNote: `Relance: ${reason} (invoice ${invoice.DocNumber ?? invoice.Id})`.slice(0, PRIVATE_NOTE_MAX),
          Line: [
            {
              Amount: value,
              DetailType: "SalesItemLineDetail",
              Description: reason.slice(0, 4000),
              SalesItemLineDetail: { ItemRef: { value: item }, Qty: 1, UnitPrice: value },
            },
          ],
        },
        requestIdOf(options.idempotencyKey),
      ),
    );
    if (!created.success) throw unexpected("the credit memo creation");
    return created.data.Id;
  }

  async function createLateFeeInvoice(
    debtorExternalId: string,
    amount: Money,
    dueDate: CalendarDate,
    description: string,
    options: SendOptions,
  ) {
    if (!config.writeBack.lateFees) throw writeBackSwitchedOff("QuickBooks", "lateFees");
    if (config.lateFeeItemId === undefined) {
      throw new RelanceError(
        "misconfigured",
        "late-fee invoices need lateFeeItemId (a QuickBooks service item) in the connection",
      );
    }
    const value = amountOf(amount);
    const created = createdSchema.safeParse(
      await client.createInvoice(
        {
          CustomerRef: { value: debtorExternalId },
          CurrencyRef: { value: amount.currency },
          TxnDate: today(),
          DueDate: dueDate,
          Line: [
            {
              Amount: value,
              DetailType: "SalesItemLineDetail",
              Description: description.slice(0, 4000),
              SalesItemLineDetail: { ItemRef: { value: config.lateFeeItemId }, Qty: 1, UnitPrice: value },
            },
          ],
        },
        requestIdOf(options.idempotencyKey),
      ),
    );
    if (!created.success) throw unexpected("the late-fee invoice creation");
    return created.data.Id;
  }

  return { addInvoiceNote, createCreditNote, createLateFeeInvoice };
}
