/**
 * The parts of QuickBooks Online entities this connector reads, as loose zod schemas: Intuit adds
 * fields with every minor version, so unknown fields pass through untouched.
 * Shapes: https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/invoice (and
 * customer, payment, creditmemo, companyinfo, preferences), change data capture and batch pages.
 */
import { z } from "zod";

const ref = z.object({ value: z.string(), name: z.string().optional() }).loose();
const metaData = z.object({ CreateTime: z.string().optional(), LastUpdatedTime: z.string().optional() }).loose();
const linkedTxn = z.object({ TxnId: z.string(), TxnType: z.string() }).loose();

export const qboAddressSchema = z
  .object({
    Line1: z.string().optional(),
    Line2: z.string().optional(),
    Line3: z.string().optional(),
    Line4: z.string().optional(),
    Line5: z.string().optional(),
    City: z.string().optional(),
    CountrySubDivisionCode: z.string().optional(),
    PostalCode: z.string().optional(),
    Country: z.string().optional(),
  })
  .loose();

export const qboCustomerSchema = z
  .object({
    Id: z.string(),
    DisplayName: z.string().optional(),
    CompanyName: z.string().optional(),
    FullyQualifiedName: z.string().optional(),
    PrimaryEmailAddr: z.object({ Address: z.string().optional() }).loose().optional(),
    PrimaryPhone: z.object({ FreeFormNumber: z.string().optional() }).loose().optional(),
    BillAddr: qboAddressSchema.optional(),
    CurrencyRef: ref.optional(),
    Active: z.boolean().optional(),
    MetaData: metaData.optional(),
  })
  .loose();

const line = z
  .object({
    Amount: z.number().optional(),
    DetailType: z.string().optional(),
    LinkedTxn: z.array(linkedTxn).optional(),
  })
  .loose();

export const qboInvoiceSchema = z
  .object({
    Id: z.string(),
    SyncToken: z.string().optional(),
    DocNumber: z.string().optional(),
    TxnDate: z.string(),
    DueDate: z.string().optional(),
    TotalAmt: z.number(),
    Balance: z.number().optional(),
    CurrencyRef: ref.optional(),
    CustomerRef: ref,
    LinkedTxn: z.array(linkedTxn).optional(),
    PrivateNote: z.string().optional(),
    CustomerMemo: z.object({ value: z.string().optional() }).loose().optional(),
    MetaData: metaData.optional(),
  })
  .loose();

export const qboCreditMemoSchema = z
  .object({
    Id: z.string(),
    DocNumber: z.string().optional(),
    TxnDate: z.string(),
    TotalAmt: z.number(),
    Balance: z.number().optional(),
    RemainingCredit: z.number().optional(),
    CurrencyRef: ref.optional(),
    CustomerRef: ref,
    PrivateNote: z.string().optional(),
    MetaData: metaData.optional(),
  })
  .loose();

export const qboPaymentSchema = z
  .object({
    Id: z.string(),
    TxnDate: z.string(),
    TotalAmt: z.number(),
    CurrencyRef: ref.optional(),
    CustomerRef: ref.optional(),
    Line: z.array(line).optional(),
    PrivateNote: z.string().optional(),
    MetaData: metaData.optional(),
  })
  .loose();

/** What CDC answers for a deleted record: no fields but these. */
export const qboDeletedSchema = z.object({ Id: z.string(), status: z.literal("Deleted"), MetaData: metaData.optional() }).loose();

export const qboCompanyInfoSchema = z
  .object({ Id: z.string().optional(), CompanyName: z.string().optional(), Country: z.string().optional() })
  .loose();

export const qboPreferencesSchema = z
  .object({
    CurrencyPrefs: z.object({ HomeCurrency: ref.optional(), MultiCurrencyEnabled: z.boolean().optional() }).loose().optional(),
  })
  .loose();

export type QboAddress = z.infer<typeof qboAddressSchema>;
export type QboCustomer = z.infer<typeof qboCustomerSchema>;
export type QboInvoice = z.infer<typeof qboInvoiceSchema>;
export type QboCreditMemo = z.infer<typeof qboCreditMemoSchema>;
export type QboPayment = z.infer<typeof qboPaymentSchema>;
export type QboDeleted = z.infer<typeof qboDeletedSchema>;

/** The entities this connector syncs, in the order pages hand them over (debtors before what names them). */
export const SYNCED_ENTITIES = ["Customer", "Invoice", "CreditMemo", "Payment"] as const;
export type SyncedEntity = (typeof SYNCED_ENTITIES)[number];

export interface QboRecords {
  readonly Customer: QboCustomer[];
  readonly Invoice: QboInvoice[];
  readonly CreditMemo: QboCreditMemo[];
  readonly Payment: QboPayment[];
}

export const queryResponseSchema = z.object({
  QueryResponse: z
    .object({
      startPosition: z.number().optional(),
      maxResults: z.number().optional(),
      totalCount: z.number().optional(),
    })
    .loose(),
  time: z.string().optional(),
});

export const cdcResponseSchema = z.object({
  CDCResponse: z.array(z.object({ QueryResponse: z.array(z.record(z.string(), z.unknown())).optional() }).loose()),
  time: z.string().optional(),
});

export const batchResponseSchema = z.object({
  BatchItemResponse: z.array(
    z
      .object({
        bId: z.string(),
        QueryResponse: z.record(z.string(), z.unknown()).optional(),
        Fault: z.unknown().optional(),
      })
      .loose(),
  ),
  time: z.string().optional(),
});

/** The time of a record's last change, from its MetaData. */
export function lastUpdated(record: { readonly MetaData?: { readonly LastUpdatedTime?: string | undefined } | undefined }) {
  return record.MetaData?.LastUpdatedTime;
}
