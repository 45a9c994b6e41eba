/**
 * Pure mappers from xero-node models (what the SDK hands back after parsing Xero's PascalCase JSON)
 * to Relance's ledger records. No I/O. Records a debt collector must not see (drafts, bills, supplier
 * credits) map to `undefined`; malformed amounts or dates throw a MappingError naming the field.
 */
import {
  type CreditNote,
  countryCode,
  type Debtor,
  type Invoice,
  languageOfCountry,
  type Payment,
  type PostalAddress,
} from "@relance/core";
import type {
  Address,
  Allocation,
  Contact,
  Phone,
  CreditNote as XeroCreditNote,
  Invoice as XeroInvoice,
  Payment as XeroPayment,
} from "xero-node";
import { z } from "zod";
import { calendarDate, currencyOf, enumText, MappingError, nonEmpty, optionalCalendarDate, toMinor } from "./values";

const emailSchema = z.email();

function emailsOf(contact: Contact): string[] {
  const candidates = [
    contact.emailAddress,
    ...(contact.contactPersons ?? []).filter((person) => person.includeInEmails === true).map((person) => person.emailAddress),
  ];
  const seen = new Set<string>();
  const emails: string[] = [];
  for (const candidate of candidates) {
    const email = nonEmpty(candidate);
    if (!email || !emailSchema.safeParse(email).success) continue;
    const key = email.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    emails.push(email);
  }
  return emails;
}

const PHONE_PREFERENCE = ["DEFAULT", "MOBILE", "DDI"];

function phoneOf(phones: readonly Phone[] | undefined): string | undefined {
  for (const type of PHONE_PREFERENCE) {
    const phone = phones?.find((candidate) => enumText(candidate.phoneType) === type && nonEmpty(candidate.phoneNumber));
    if (!phone) continue;
    const country = nonEmpty(phone.phoneCountryCode);
    const text = [
      country ? `+${country.replace(/^\+/, "")}` : undefined,
      nonEmpty(phone.phoneAreaCode),
      nonEmpty(phone.phoneNumber),
    ]
      .filter(Boolean)
      .join(" ");
    return text.slice(0, 50);
  }
  return undefined;
}

function addressOf(addresses: readonly Address[] | undefined): PostalAddress | undefined {
  for (const type of ["POBOX", "STREET"]) {
    const address = addresses?.find((candidate) => enumText(candidate.addressType) === type);
    if (!address) continue;
    const lines = [address.addressLine1, address.addressLine2, address.addressLine3, address.addressLine4]
      .map(nonEmpty)
      .filter((line): line is string => line !== undefined);
    if (lines.length === 0) continue;
    const postalCode = nonEmpty(address.postalCode);
    const city = nonEmpty(address.city);
    const region = nonEmpty(address.region);
    const country = countryCode(nonEmpty(address.country));
    return {
      lines,
      ...(postalCode ? { postalCode } : {}),
      ...(city ? { city } : {}),
      ...(region ? { region } : {}),
      ...(country ? { country } : {}),
    };
  }
  return undefined;
}

/** The first country named on any address, for the language hint even when no address is usable. */
function anyCountry(addresses: readonly Address[] | undefined): string | undefined {
  for (const address of addresses ?? []) {
    const code = countryCode(nonEmpty(address.country));
    if (code) return code;
  }
  return undefined;
}

export function mapContact(contact: Contact): Debtor {
  const externalId = nonEmpty(contact.contactID);
  if (!externalId) throw new MappingError("ContactID", "missing");
  const name =
    nonEmpty(contact.name) ?? [nonEmpty(contact.firstName), nonEmpty(contact.lastName)].filter(Boolean).join(" ") ?? externalId;
  const address = addressOf(contact.addresses);
  const language = languageOfCountry(address?.country ?? anyCountry(contact.addresses));
  const phone = phoneOf(contact.phones);
  const b2b = nonEmpty(contact.companyNumber) !== undefined || nonEmpty(contact.taxNumber) !== undefined;
  return {
    externalId,
    name: (name || externalId).slice(0, 500),
    emails: emailsOf(contact),
    ...(phone ? { phone } : {}),
    ...(language ? { language } : {}),
    ...(b2b ? { kind: "b2b" as const } : {}),
    ...(address ? { address } : {}),
    tags: [],
  };
}

export interface MappedInvoice {
  readonly invoice: Invoice;
  readonly payments: Payment[];
}

function mapPayment(payment: XeroPayment, invoiceId: string, currency: string, index: number): Payment | undefined {
  const externalId = nonEmpty(payment.paymentID);
  if (!externalId) throw new MappingError(`Payments[${index}].PaymentID`, "missing");
  const amountMinor = toMinor(payment.amount, currency, `Payments[${index}].Amount`);
  if (amountMinor <= 0) return undefined;
  return {
    externalId,
    invoiceExternalId: invoiceId,
    currency,
    amountMinor,
    date: calendarDate(payment.date, `Payments[${index}].Date`),
    status: enumText(payment.status) === "DELETED" ? "deleted" : "posted",
  };
}

const clamp = (value: number, max: number) => Math.min(Math.max(0, value), max);

/** What an invoice and a credit note have alike: a sales document of ours, approved, with its contact and total. */
function salesDocument(
  source: XeroInvoice | XeroCreditNote,
  type: "ACCREC" | "ACCRECCREDIT",
  id: { readonly field: string; readonly value: string | undefined },
) {
  if (enumText(source.type) !== type) return undefined;
  const status = enumText(source.status);
  if (status !== "AUTHORISED" && status !== "PAID" && status !== "VOIDED" && status !== "DELETED") return undefined;
  const externalId = nonEmpty(id.value);
  if (!externalId) throw new MappingError(id.field, "missing");
  const debtorExternalId = nonEmpty(source.contact?.contactID);
  if (!debtorExternalId) throw new MappingError("Contact.ContactID", "missing");
  const currency = currencyOf(source.currencyCode, "CurrencyCode");
  const totalMinor = toMinor(source.total, currency, "Total");
  if (totalMinor < 0) throw new MappingError("Total", "is negative");
  return { status, externalId, debtorExternalId, currency, totalMinor, voided: status === "VOIDED" || status === "DELETED" };
}

export function mapInvoice(source: XeroInvoice): MappedInvoice | undefined {
  const document = salesDocument(source, "ACCREC", { field: "InvoiceID", value: source.invoiceID });
  if (!document) return undefined;
  const { status, externalId, debtorExternalId, currency, totalMinor, voided } = document;
  const balanceMinor = voided ? 0 : clamp(toMinor(source.amountDue, currency, "AmountDue"), totalMinor);
  const issueDate = calendarDate(source.date, "Date");
  const reference = nonEmpty(source.reference);
  const invoice: Invoice = {
    externalId,
    number: (nonEmpty(source.invoiceNumber) ?? externalId).slice(0, 200),
    debtorExternalId,
    currency,
    totalMinor,
    balanceMinor,
    issueDate,
    dueDate: optionalCalendarDate(source.dueDate, "DueDate") ?? issueDate,
    status: voided ? "void" : status === "AUTHORISED" && balanceMinor > 0 ? "open" : "paid",
    ...(reference ? { reference: reference.slice(0, 500) } : {}),
  };
  const payments = (source.payments ?? [])
    .map((payment, index) => mapPayment(payment, externalId, currency, index))
    .filter((payment): payment is Payment => payment !== undefined);
  return { invoice, payments };
}

function mapAllocation(allocation: Allocation, currency: string, index: number): CreditNote["allocations"][number] | undefined {
  if (allocation.isDeleted === true) return undefined;
  const invoiceExternalId = nonEmpty(allocation.invoice?.invoiceID);
  if (!invoiceExternalId) throw new MappingError(`Allocations[${index}].Invoice.InvoiceID`, "missing");
  const amountMinor = toMinor(allocation.amount, currency, `Allocations[${index}].Amount`);
  return amountMinor > 0 ? { invoiceExternalId, amountMinor } : undefined;
}

export function mapCreditNote(source: XeroCreditNote): CreditNote | undefined {
  const document = salesDocument(source, "ACCRECCREDIT", { field: "CreditNoteID", value: source.creditNoteID });
  if (!document) return undefined;
  const { status, externalId, debtorExternalId, currency, totalMinor, voided } = document;
  const remainingMinor = voided ? 0 : clamp(toMinor(source.remainingCredit, currency, "RemainingCredit"), totalMinor);
  const allocations = voided
    ? []
    : (source.allocations ?? [])
        .map((allocation, index) => mapAllocation(allocation, currency, index))
        .filter((allocation): allocation is CreditNote["allocations"][number] => allocation !== undefined);
  return {
    externalId,
    number: (nonEmpty(source.creditNoteNumber) ?? externalId).slice(0, 200),
    debtorExternalId,
    currency,
    totalMinor,
    remainingMinor,
    issueDate: calendarDate(source.date, "Date"),
    status: voided ? "void" : status === "AUTHORISED" && remainingMinor > 0 ? "open" : "applied",
    allocations,
  };
}
