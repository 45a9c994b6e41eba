/**
 * One Xero organisation's data as the fake holds it: contacts, sales invoices with their payments and
 * credit-note allocations, credit notes, history notes. Amounts are kept in minor units and written
 * out as Xero's decimals; every change stamps UpdatedDateUTC from the fake's clock.
 */
import { randomUUID } from "node:crypto";
import { currencyExponent, formatMinor, parseDecimalToMinor } from "@relance/core";

export type InvoiceStatus = "DRAFT" | "SUBMITTED" | "AUTHORISED" | "PAID" | "VOIDED" | "DELETED";
export type CreditNoteStatus = InvoiceStatus;

export interface FakeAddress {
  readonly type: "POBOX" | "STREET";
  readonly lines?: readonly string[];
  readonly city?: string;
  readonly region?: string;
  readonly postalCode?: string;
  readonly country?: string;
}

export interface FakeContactInput {
  readonly contactId?: string;
  readonly name: string;
  readonly email?: string;
  readonly firstName?: string;
  readonly lastName?: string;
  readonly persons?: readonly { firstName?: string; lastName?: string; email: string; includeInEmails: boolean }[];
  readonly addresses?: readonly FakeAddress[];
  readonly phone?: { readonly countryCode?: string; readonly areaCode?: string; readonly number: string };
  readonly companyNumber?: string;
  readonly taxNumber?: string;
  readonly status?: "ACTIVE" | "ARCHIVED";
}

export interface FakeContact extends FakeContactInput {
  readonly contactId: string;
  updatedAt: number;
  seq: number;
}

export interface FakePayment {
  readonly paymentId: string;
  readonly amountMinor: number;
  readonly date: string;
  readonly reference?: string;
}

export interface FakeAllocation {
  readonly allocationId: string;
  readonly creditNoteId: string;
  readonly invoiceId: string;
  readonly amountMinor: number;
  readonly date: string;
}

export interface FakeInvoiceInput {
  readonly invoiceId?: string;
  readonly number?: string;
  readonly contactId: string;
  readonly currency?: string;
  /** Decimal string or number in the currency ("120.50"). */
  readonly total: string | number;
  /** YYYY-MM-DD */
  readonly date: string;
  readonly dueDate?: string;
  readonly status?: InvoiceStatus;
  readonly reference?: string;
  readonly lineDescription?: string;
  readonly accountCode?: string;
}

export interface FakeInvoice {
  readonly invoiceId: string;
  readonly number: string;
  readonly contactId: string;
  readonly currency: string;
  readonly totalMinor: number;
  readonly date: string;
  readonly dueDate: string | undefined;
  status: InvoiceStatus;
  readonly reference: string | undefined;
  readonly lineDescription: string;
  readonly accountCode: string | undefined;
  payments: FakePayment[];
  updatedAt: number;
  seq: number;
}

export interface FakeCreditNoteInput {
  readonly creditNoteId?: string;
  readonly number?: string;
  readonly contactId: string;
  readonly currency?: string;
  readonly total: string | number;
  readonly date: string;
  readonly status?: CreditNoteStatus;
  readonly reference?: string;
}

export interface FakeCreditNote {
  readonly creditNoteId: string;
  readonly number: string;
  readonly contactId: string;
  readonly currency: string;
  readonly totalMinor: number;
  readonly date: string;
  status: CreditNoteStatus;
  readonly reference: string | undefined;
  updatedAt: number;
  seq: number;
}

export interface HistoryNote {
  readonly invoiceId: string;
  readonly details: string;
  readonly at: number;
}

/** A refusal Xero would answer with a 400 ValidationException. */
export class LedgerValidationError extends Error {}

const toMinor = (value: string | number, currency: string) => parseDecimalToMinor(String(value), currency);

export class FakeLedger {
  readonly contacts = new Map<string, FakeContact>();
  readonly invoices = new Map<string, FakeInvoice>();
  readonly creditNotes = new Map<string, FakeCreditNote>();
  readonly allocations: FakeAllocation[] = [];
  readonly history: HistoryNote[] = [];
  private seq = 0;
  private lastStamp = 0;
  private invoiceCounter = 0;
  private creditNoteCounter = 0;

  constructor(
    readonly tenantId: string,
    readonly name: string,
    private readonly now: () => Date,
  ) {}

  /** Non-decreasing change time; ties are ordered by sequence. */
  private touch<T extends { updatedAt: number; seq: number }>(record: T): T {
    this.lastStamp = Math.max(this.now().getTime(), this.lastStamp);
    record.updatedAt = this.lastStamp;
    record.seq = ++this.seq;
    return record;
  }

  addContact(input: FakeContactInput): FakeContact {
    const contact = this.touch({ ...input, contactId: input.contactId ?? randomUUID(), updatedAt: 0, seq: 0 });
    this.contacts.set(contact.contactId, contact);
    return contact;
  }

  updateContact(contactId: string, change: Partial<FakeContactInput>): FakeContact {
    const contact = this.contact(contactId);
    const updated = this.touch({ ...contact, ...change, contactId });
    this.contacts.set(contactId, updated);
    return updated;
  }

  addInvoice(input: FakeInvoiceInput): FakeInvoice {
    this.contact(input.contactId);
    const currency = input.currency ?? "GBP";
    const invoice = this.touch<FakeInvoice>({
      invoiceId: input.invoiceId ?? randomUUID(),
      number: input.number ?? `INV-${String(++this.invoiceCounter).padStart(4, "0")}`,
      contactId: input.contactId,
      currency,
      totalMinor: toMinor(input.total, currency),
      date: input.date,
      dueDate: input.dueDate,
      status: input.status ?? "AUTHORISED",
      reference: input.reference,
      lineDescription: input.lineDescription ?? "Services",
      accountCode: input.accountCode,
      payments: [],
      updatedAt: 0,
      seq: 0,
    });
    this.invoices.set(invoice.invoiceId, invoice);
    return invoice;
  }

  /** Pays part or all of an invoice; it turns PAID when nothing is left due. */
  pay(invoiceId: string, amount: string | number, date = "2024-01-01", reference?: string): FakePayment {
    const invoice = this.invoice(invoiceId);
    if (invoice.status !== "AUTHORISED")
      throw new LedgerValidationError("Payments can only be made against Authorised documents");
    const amountMinor = toMinor(amount, invoice.currency);
    if (amountMinor <= 0 || amountMinor > this.amountDue(invoice)) {
      throw new LedgerValidationError("The payment amount exceeds the amount outstanding on this document");
    }
    const payment = { paymentId: randomUUID(), amountMinor, date, ...(reference ? { reference } : {}) };
    invoice.payments.push(payment);
    if (this.amountDue(invoice) === 0) invoice.status = "PAID";
    this.touch(invoice);
    return payment;
  }

  /** Removes a payment, as deleting it in Xero does; the invoice is owed again. */
  deletePayment(invoiceId: string, paymentId: string): void {
    const invoice = this.invoice(invoiceId);
    invoice.payments = invoice.payments.filter((payment) => payment.paymentId !== paymentId);
    if (invoice.status === "PAID" && this.amountDue(invoice) > 0) invoice.status = "AUTHORISED";
    this.touch(invoice);
  }

  voidInvoice(invoiceId: string): void {
    this.setInvoiceStatus(invoiceId, "VOIDED");
  }

  deleteInvoice(invoiceId: string): void {
    this.setInvoiceStatus(invoiceId, "DELETED");
  }

  setInvoiceStatus(invoiceId: string, status: InvoiceStatus): void {
    const invoice = this.invoice(invoiceId);
    invoice.status = status;
    this.touch(invoice);
  }

  addCreditNote(input: FakeCreditNoteInput): FakeCreditNote {
    this.contact(input.contactId);
    const currency = input.currency ?? "GBP";
    const note = this.touch<FakeCreditNote>({
      creditNoteId: input.creditNoteId ?? randomUUID(),
      number: input.number ?? `CN-${String(++this.creditNoteCounter).padStart(4, "0")}`,
      contactId: input.contactId,
      currency,
      totalMinor: toMinor(input.total, currency),
      date: input.date,
      status: input.status ?? "AUTHORISED",
      reference: input.reference,
      updatedAt: 0,
      seq: 0,
    });
    this.creditNotes.set(note.creditNoteId, note);
    return note;
  }

  allocate(creditNoteId: string, invoiceId: string, amount: string | number, date = "2024-01-01"): FakeAllocation {
    const note = this.creditNote(creditNoteId);
    const invoice = this.invoice(invoiceId);
    if (note.currency !== invoice.currency) throw new LedgerValidationError("The currencies of the documents do not match");
    if (note.status !== "AUTHORISED" || invoice.status !== "AUTHORISED") {
      throw new LedgerValidationError("Allocations can only be made between Authorised documents");
    }
    const amountMinor = toMinor(amount, invoice.currency);
    if (amountMinor <= 0 || amountMinor > this.amountDue(invoice) || amountMinor > this.remainingCredit(note)) {
      throw new LedgerValidationError("The amount allocated exceeds the amount outstanding");
    }
    const allocation = { allocationId: randomUUID(), creditNoteId, invoiceId, amountMinor, date };
    this.allocations.push(allocation);
    if (this.amountDue(invoice) === 0) invoice.status = "PAID";
    if (this.remainingCredit(note) === 0) note.status = "PAID";
    this.touch(invoice);
    this.touch(note);
    return allocation;
  }

  addHistory(invoiceId: string, details: string): HistoryNote {
    this.invoice(invoiceId);
    const note = { invoiceId, details, at: this.now().getTime() };
    this.history.push(note);
    return note;
  }

  amountPaid(invoice: FakeInvoice): number {
    return invoice.payments.reduce((sum, payment) => sum + payment.amountMinor, 0);
  }

  amountCredited(invoice: FakeInvoice): number {
    return this.allocationsOfInvoice(invoice.invoiceId).reduce((sum, allocation) => sum + allocation.amountMinor, 0);
  }

  amountDue(invoice: FakeInvoice): number {
    if (invoice.status === "VOIDED" || invoice.status === "DELETED") return 0;
    return invoice.totalMinor - this.amountPaid(invoice) - this.amountCredited(invoice);
  }

  remainingCredit(note: FakeCreditNote): number {
    if (note.status === "VOIDED" || note.status === "DELETED") return 0;
    return note.totalMinor - this.allocationsOfCreditNote(note.creditNoteId).reduce((sum, a) => sum + a.amountMinor, 0);
  }

  allocationsOfInvoice(invoiceId: string): FakeAllocation[] {
    return this.allocations.filter((allocation) => allocation.invoiceId === invoiceId);
  }

  allocationsOfCreditNote(creditNoteId: string): FakeAllocation[] {
    return this.allocations.filter((allocation) => allocation.creditNoteId === creditNoteId);
  }

  contact(contactId: string): FakeContact {
    const contact = this.contacts.get(contactId);
    if (!contact) throw new LedgerValidationError(`The contact ${contactId} does not exist`);
    return contact;
  }

  invoice(invoiceId: string): FakeInvoice {
    const invoice = this.invoices.get(invoiceId);
    if (!invoice) throw new LedgerValidationError(`The invoice ${invoiceId} does not exist`);
    return invoice;
  }

  creditNote(creditNoteId: string): FakeCreditNote {
    const note = this.creditNotes.get(creditNoteId);
    if (!note) throw new LedgerValidationError(`The credit note ${creditNoteId} does not exist`);
    return note;
  }
}

/** Minor units as the JSON number Xero writes (46.00 arrives as 46; the value is exact). */
export function decimal(amountMinor: number, currency: string): number {
  currencyExponent(currency);
  return Number(formatMinor(amountMinor, currency));
}
