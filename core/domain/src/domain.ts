/**
 * Ledger records as every connector hands them over: vendor shapes are mapped to these by pure
 * mappers inside each connector. Amounts are integer minor units in the record's currency.
 */
import { z } from "zod";
import { isCalendarDate } from "./dates";
import { isCurrency } from "./money";

export const calendarDateSchema = z.string().refine(isCalendarDate, { message: "must be a calendar date YYYY-MM-DD" });

export const currencySchema = z.string().refine(isCurrency, { message: "must be an ISO 4217 currency code such as EUR" });

export const minorUnitsSchema = z.number().int().refine(Number.isSafeInteger, "too large");

export const postalAddressSchema = z.object({
  lines: z.array(z.string().min(1)).min(1).max(4),
  postalCode: z.string().optional(),
  city: z.string().optional(),
  region: z.string().optional(),
  /** ISO 3166-1 alpha-2. */
  country: z.string().length(2).optional(),
});

export const debtorSchema = z.object({
  externalId: z.string().min(1).max(200),
  name: z.string().min(1).max(500),
  emails: z.array(z.email()).default([]),
  phone: z.string().max(50).optional(),
  /** BCP 47 language tag ("fr", "en-GB"); the policy falls back to the tenant's default. */
  language: z.string().min(2).max(20).optional(),
  kind: z.enum(["b2b", "b2c"]).optional(),
  address: postalAddressSchema.optional(),
  /** IANA time zone, for quiet hours. */
  timeZone: z.string().optional(),
  tags: z.array(z.string().min(1)).default([]),
});

export const invoiceStatusSchema = z.enum(["open", "paid", "void"]);

export const invoiceSchema = z
  .object({
    externalId: z.string().min(1).max(200),
    number: z.string().min(1).max(200),
    debtorExternalId: z.string().min(1).max(200),
    currency: currencySchema,
    totalMinor: minorUnitsSchema.nonnegative(),
    /** What is still owed on it, after payments and allocated credit notes. */
    balanceMinor: minorUnitsSchema.nonnegative(),
    issueDate: calendarDateSchema,
    dueDate: calendarDateSchema,
    status: invoiceStatusSchema,
    reference: z.string().max(500).optional(),
  })
  .refine((invoice) => invoice.balanceMinor <= invoice.totalMinor, {
    message: "balance cannot exceed the invoice total",
    path: ["balanceMinor"],
  });

export const creditNoteSchema = z.object({
  externalId: z.string().min(1).max(200),
  number: z.string().min(1).max(200),
  debtorExternalId: z.string().min(1).max(200),
  currency: currencySchema,
  totalMinor: minorUnitsSchema.nonnegative(),
  remainingMinor: minorUnitsSchema.nonnegative(),
  issueDate: calendarDateSchema,
  status: z.enum(["open", "applied", "void"]),
  allocations: z.array(z.object({ invoiceExternalId: z.string().min(1), amountMinor: minorUnitsSchema.positive() })).default([]),
});

export const paymentSchema = z.object({
  externalId: z.string().min(1).max(200),
  invoiceExternalId: z.string().min(1).max(200),
  currency: currencySchema,
  amountMinor: minorUnitsSchema.positive(),
  date: calendarDateSchema,
  status: z.enum(["posted", "deleted"]),
});

export type Debtor = z.infer<typeof debtorSchema>;
export type DebtorInput = z.input<typeof debtorSchema>;
export type Invoice = z.infer<typeof invoiceSchema>;
export type InvoiceStatus = z.infer<typeof invoiceStatusSchema>;
export type CreditNote = z.infer<typeof creditNoteSchema>;
export type Payment = z.infer<typeof paymentSchema>;
export type PostalAddress = z.infer<typeof postalAddressSchema>;
