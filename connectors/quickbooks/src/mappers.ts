/**
 * Pure mappers from QuickBooks Online entities to Relance ledger records. No I/O: the home currency
 * (for records without CurrencyRef) comes in through the context.
 */
import {
  type CreditNote,
  countryCode,
  creditNoteSchema,
  type Debtor,
  debtorSchema,
  type Invoice,
  invoiceSchema,
  isCalendarDate,
  languageOfCountry,
  type Payment,
  type PostalAddress,
  paymentSchema,
} from "@relance/core";
import { z } from "zod";
import { toMinor } from "./amounts";
import type { QboAddress, QboCreditMemo, QboCustomer, QboInvoice, QboPayment } from "./qbo-types";

export interface MappingContext {
  /** The company's home currency: QuickBooks leaves CurrencyRef out in single-currency companies. */
  readonly homeCurrency: string;
}

/** A record that cannot become a valid Relance record; the sync skips it and says why. */
export class MappingError extends Error {
  constructor(
    readonly entity: string,
    readonly id: string,
    message: string,
  ) {
    super(`QuickBooks ${entity} ${id}: ${message}`);
    this.name = "MappingError";
  }
}

const emailSchema = z.email();

/** PrimaryEmailAddr.Address may hold several addresses separated by commas (QBO's UI allows it). */
export function splitEmails(text: string | undefined): string[] {
  if (!text) return [];
  const emails = text
    .split(/[,;]/)
    .map((part) => part.trim())
    .filter((part) => emailSchema.safeParse(part).success);
  return [...new Set(emails)];
}

export function mapAddress(address: QboAddress | undefined): PostalAddress | undefined {
  if (!address) return undefined;
  const lines = [address.Line1, address.Line2, address.Line3, address.Line4, address.Line5]
    .map((line) => line?.trim())
    .filter((line): line is string => Boolean(line))
    .slice(0, 4);
  if (lines.length === 0) return undefined;
  const country = countryCode(address.Country);
  const city = address.City?.trim();
  const region = address.CountrySubDivisionCode?.trim();
  const postalCode = address.PostalCode?.trim();
  return {
    lines,
    ...(postalCode ? { postalCode } : {}),
    ...(city ? { city } : {}),
    ...(region ? { region } : {}),
    ...(country ? { country } : {}),
  };
}

function checked<T>(schema: z.ZodType<T>, value: unknown, entity: string, id: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const detail = result.error.issues.map((issue) => `${issue.path.join(".") || "record"}: ${issue.message}`).join("; ");
  throw new MappingError(entity, id, detail);
}

function calendarDate(text: string | undefined, entity: string, id: string, field: string): string {
  // QuickBooks dates are plain "YYYY-MM-DD"; a time part (seen in some imports) is cut off.
  const date = text?.slice(0, 10);
  if (date === undefined || !isCalendarDate(date)) throw new MappingError(entity, id, `${field} "${text}" is not a date`);
  return date;
}

function minor(amount: number | undefined, currency: string, entity: string, id: string, field: string): number {
  try {
    return toMinor(amount ?? 0, currency);
  } catch (error) {
    throw new MappingError(entity, id, `${field}: ${(error as Error).message}`);
  }
}

export function mapCustomer(customer: QboCustomer): Debtor {
  const name = customer.DisplayName?.trim() || customer.CompanyName?.trim() || customer.FullyQualifiedName?.trim() || customer.Id;
  const address = mapAddress(customer.BillAddr);
  const language = languageOfCountry(address?.country);
  const phone = customer.PrimaryPhone?.FreeFormNumber?.trim().slice(0, 50);
  return checked(
    debtorSchema,
    {
      externalId: customer.Id,
      name: name.slice(0, 500),
      emails: splitEmails(customer.PrimaryEmailAddr?.Address),
      ...(phone ? { phone } : {}),
      ...(language ? { language } : {}),
      ...(customer.CompanyName?.trim() ? { kind: "b2b" } : {}),
      ...(address ? { address } : {}),
      tags: customer.Active === false ? ["inactive"] : [],
    },
    "Customer",
    customer.Id,
  );
}

/** QuickBooks keeps a voided transaction with its amounts zeroed and "Voided" in its private note. */
export function isVoided(record: { readonly TotalAmt: number; readonly PrivateNote?: string | undefined }): boolean {
  return record.TotalAmt === 0 && /^\s*voided\b/i.test(record.PrivateNote ?? "");
}

function currencyOf(record: { readonly CurrencyRef?: { readonly value: string } | undefined }, context: MappingContext) {
  return record.CurrencyRef?.value.trim().toUpperCase() || context.homeCurrency;
}

export function mapInvoice(invoice: QboInvoice, context: MappingContext): Invoice {
  const currency = currencyOf(invoice, context);
  const issueDate = calendarDate(invoice.TxnDate, "Invoice", invoice.Id, "TxnDate");
  const totalMinor = minor(invoice.TotalAmt, currency, "Invoice", invoice.Id, "TotalAmt");
  const balanceMinor = minor(invoice.Balance ?? invoice.TotalAmt, currency, "Invoice", invoice.Id, "Balance");
  const status = isVoided(invoice) ? "void" : balanceMinor === 0 ? "paid" : "open";
  return checked(
    invoiceSchema,
    {
      externalId: invoice.Id,
      number: invoice.DocNumber?.trim() || invoice.Id,
      debtorExternalId: invoice.CustomerRef.value,
      currency,
      totalMinor,
      balanceMinor: status === "void" ? 0 : balanceMinor,
      issueDate,
      dueDate: invoice.DueDate ? calendarDate(invoice.DueDate, "Invoice", invoice.Id, "DueDate") : issueDate,
      status,
    },
    "Invoice",
    invoice.Id,
  );
}

export interface CreditAllocation {
  readonly creditMemoExternalId: string;
  readonly invoiceExternalId: string;
  readonly amountMinor: number;
}

export interface MappedPayment {
  /** One record per invoice the payment settles, for the part paid in money. */
  readonly payments: Payment[];
  /** Credit memos the same payment applied to invoices (QBO records a credit application as a Payment line). */
  readonly creditAllocations: CreditAllocation[];
}

function linkedAmounts(payment: QboPayment, txnType: string, currency: string): Map<string, number> {
  const amounts = new Map<string, number>();
  for (const line of payment.Line ?? []) {
    const links = (line.LinkedTxn ?? []).filter((link) => link.TxnType === txnType);
    // A line linked to one transaction carries its amount; several links on one line (rare) split nothing we can know.
    if (links.length !== 1) continue;
    const id = (links[0] as { TxnId: string }).TxnId;
    const amount = minor(line.Amount, currency, "Payment", payment.Id, "Line.Amount");
    amounts.set(id, (amounts.get(id) ?? 0) + amount);
  }
  return amounts;
}

/**
 * A Payment applies money (TotalAmt) and possibly credit memos to invoices. Credits are allocated to
 * the invoices in line order; what remains on each invoice line was paid in money.
 */
export function mapPayment(payment: QboPayment, context: MappingContext): MappedPayment {
  const currency = currencyOf(payment, context);
  const date = calendarDate(payment.TxnDate, "Payment", payment.Id, "TxnDate");
  const invoiceAmounts = linkedAmounts(payment, "Invoice", currency);
  const credits = [...linkedAmounts(payment, "CreditMemo", currency)];
  const creditAllocations: CreditAllocation[] = [];
  const payments: Payment[] = [];
  for (const [invoiceExternalId, lineAmount] of invoiceAmounts) {
    let unpaid = lineAmount;
    for (const credit of credits) {
      if (unpaid === 0) break;
      const used = Math.min(credit[1], unpaid);
      if (used <= 0) continue;
      credit[1] -= used;
      unpaid -= used;
      creditAllocations.push({ creditMemoExternalId: credit[0], invoiceExternalId, amountMinor: used });
    }
    if (unpaid <= 0) continue;
    payments.push(
      checked(
        paymentSchema,
        {
          externalId: `${payment.Id}:${invoiceExternalId}`,
          invoiceExternalId,
          currency,
          amountMinor: unpaid,
          date,
          status: "posted",
        },
        "Payment",
        payment.Id,
      ),
    );
  }
  return { payments, creditAllocations };
}

export function mapCreditMemo(
  memo: QboCreditMemo,
  context: MappingContext,
  allocations: readonly CreditAllocation[] = [],
): CreditNote {
  const currency = currencyOf(memo, context);
  const totalMinor = minor(memo.TotalAmt, currency, "CreditMemo", memo.Id, "TotalAmt");
  const remainingMinor = minor(memo.Balance ?? memo.RemainingCredit ?? memo.TotalAmt, currency, "CreditMemo", memo.Id, "Balance");
  const voided = isVoided(memo);
  const status = voided ? "void" : remainingMinor === 0 && totalMinor > 0 ? "applied" : "open";
  return checked(
    creditNoteSchema,
    {
      externalId: memo.Id,
      number: memo.DocNumber?.trim() || memo.Id,
      debtorExternalId: memo.CustomerRef.value,
      currency,
      totalMinor,
      remainingMinor: voided ? 0 : remainingMinor,
      issueDate: calendarDate(memo.TxnDate, "CreditMemo", memo.Id, "TxnDate"),
      status,
      allocations: allocations
        .filter((allocation) => allocation.creditMemoExternalId === memo.Id)
        .map(({ invoiceExternalId, amountMinor }) => ({ invoiceExternalId, amountMinor })),
    },
    "CreditMemo",
    memo.Id,
  );
}
