/**
 * The fake's records written the way Xero's API writes them (xero_accounting.yaml examples, v16.1.0):
 * PascalCase, `/Date(ms+0000)/` for dates and UpdatedDateUTC, decimals as JSON numbers.
 */
import { decimal, type FakeContact, type FakeCreditNote, type FakeInvoice, type FakeLedger } from "./ledger";

export type Json = Record<string, unknown>;

export const msDate = (epochMs: number): string => `/Date(${epochMs}+0000)/`;

const dayMs = (date: string): number => Date.parse(`${date}T00:00:00Z`);

/** Date as Xero sends it for a calendar date, with the DateString twin. */
function dateFields(prefix: "Date" | "DueDate", date: string | undefined): Json {
  if (date === undefined) return {};
  return { [`${prefix}String`]: `${date}T00:00:00`, [prefix]: msDate(dayMs(date)) };
}

export function contactJson(contact: FakeContact): Json {
  return {
    ContactID: contact.contactId,
    ContactStatus: contact.status ?? "ACTIVE",
    Name: contact.name,
    ...(contact.firstName ? { FirstName: contact.firstName } : {}),
    ...(contact.lastName ? { LastName: contact.lastName } : {}),
    ...(contact.companyNumber ? { CompanyNumber: contact.companyNumber } : {}),
    EmailAddress: contact.email ?? "",
    BankAccountDetails: "",
    TaxNumber: contact.taxNumber ?? "",
    Addresses: (contact.addresses ?? []).map((address) => ({
      AddressType: address.type,
      AddressLine1: address.lines?.[0] ?? "",
      AddressLine2: address.lines?.[1] ?? "",
      AddressLine3: address.lines?.[2] ?? "",
      AddressLine4: address.lines?.[3] ?? "",
      City: address.city ?? "",
      Region: address.region ?? "",
      PostalCode: address.postalCode ?? "",
      Country: address.country ?? "",
    })),
    Phones: [
      {
        PhoneType: "DEFAULT",
        PhoneNumber: contact.phone?.number ?? "",
        PhoneAreaCode: contact.phone?.areaCode ?? "",
        PhoneCountryCode: contact.phone?.countryCode ?? "",
      },
    ],
    UpdatedDateUTC: msDate(contact.updatedAt),
    ContactGroups: [],
    IsSupplier: false,
    IsCustomer: true,
    ContactPersons: (contact.persons ?? []).map((person) => ({
      FirstName: person.firstName ?? "",
      LastName: person.lastName ?? "",
      EmailAddress: person.email,
      IncludeInEmails: person.includeInEmails,
    })),
    HasAttachments: false,
    HasValidationErrors: false,
  };
}

function contactSummary(ledger: FakeLedger, contactId: string): Json {
  const contact = ledger.contacts.get(contactId);
  return { ContactID: contactId, Name: contact?.name ?? "", Addresses: [], Phones: [], ContactGroups: [], ContactPersons: [] };
}

export function invoiceJson(ledger: FakeLedger, invoice: FakeInvoice, summaryOnly = false): Json {
  const currency = invoice.currency;
  const money = (minor: number) => decimal(minor, currency);
  const full = summaryOnly
    ? {}
    : {
        Payments: invoice.payments.map((payment) => ({
          PaymentID: payment.paymentId,
          Date: msDate(dayMs(payment.date)),
          Amount: money(payment.amountMinor),
          ...(payment.reference ? { Reference: payment.reference } : {}),
          CurrencyRate: 1,
          HasAccount: false,
          HasValidationErrors: false,
        })),
        CreditNotes: ledger.allocationsOfInvoice(invoice.invoiceId).map((allocation) => {
          const note = ledger.creditNote(allocation.creditNoteId);
          return {
            CreditNoteID: note.creditNoteId,
            CreditNoteNumber: note.number,
            ID: note.creditNoteId,
            AppliedAmount: money(allocation.amountMinor),
            ...dateFields("Date", note.date),
            LineItems: [],
            Total: money(note.totalMinor),
          };
        }),
        Prepayments: [],
        Overpayments: [],
        LineItems: [
          {
            Description: invoice.lineDescription,
            Quantity: 1,
            UnitAmount: money(invoice.totalMinor),
            ...(invoice.accountCode ? { AccountCode: invoice.accountCode } : {}),
            LineAmount: money(invoice.totalMinor),
          },
        ],
      };
  return {
    Type: "ACCREC",
    InvoiceID: invoice.invoiceId,
    InvoiceNumber: invoice.number,
    Reference: invoice.reference ?? "",
    ...full,
    AmountDue: money(ledger.amountDue(invoice)),
    AmountPaid: money(ledger.amountPaid(invoice)),
    AmountCredited: money(ledger.amountCredited(invoice)),
    CurrencyRate: 1,
    IsDiscounted: false,
    HasAttachments: false,
    HasErrors: false,
    Contact: contactSummary(ledger, invoice.contactId),
    ...dateFields("Date", invoice.date),
    ...dateFields("DueDate", invoice.dueDate),
    Status: invoice.status,
    LineAmountTypes: "NoTax",
    SubTotal: money(invoice.totalMinor),
    TotalTax: 0,
    Total: money(invoice.totalMinor),
    UpdatedDateUTC: msDate(invoice.updatedAt),
    CurrencyCode: currency,
  };
}

export function creditNoteJson(ledger: FakeLedger, note: FakeCreditNote): Json {
  const money = (minor: number) => decimal(minor, note.currency);
  return {
    Type: "ACCRECCREDIT",
    CreditNoteID: note.creditNoteId,
    CreditNoteNumber: note.number,
    Reference: note.reference ?? "",
    Contact: contactSummary(ledger, note.contactId),
    ...dateFields("Date", note.date),
    Status: note.status,
    LineAmountTypes: "NoTax",
    LineItems: [],
    SubTotal: money(note.totalMinor),
    TotalTax: 0,
    Total: money(note.totalMinor),
    UpdatedDateUTC: msDate(note.updatedAt),
    CurrencyCode: note.currency,
    CurrencyRate: 1,
    RemainingCredit: money(ledger.remainingCredit(note)),
    Allocations: ledger.allocationsOfCreditNote(note.creditNoteId).map((allocation) => ({
      AllocationID: allocation.allocationId,
      Amount: money(allocation.amountMinor),
      ...dateFields("Date", allocation.date),
      Invoice: { InvoiceID: allocation.invoiceId, InvoiceNumber: ledger.invoice(allocation.invoiceId).number },
    })),
    Payments: [],
    HasAttachments: false,
  };
}
