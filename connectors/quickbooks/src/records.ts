/**
 * Turns a batch of QuickBooks entities (one query page, one CDC answer, one targeted read) into a
 * ChangePage. Records that cannot be mapped are skipped and reported, so one odd record never blocks
 * a whole ledger's sync.
 */
import type { ChangePage, CreditNote, Debtor, Invoice, LedgerChange, LedgerDeletion, Payment } from "@relance/core";
import {
  type CreditAllocation,
  type MappingContext,
  MappingError,
  mapCreditMemo,
  mapCustomer,
  mapInvoice,
  mapPayment,
} from "./mappers";
import type { QboRecords, SyncedEntity } from "./qbo-types";

/** A record QuickBooks reports deleted (CDC `status: "Deleted"`): only its id survives. */
export type Deletion = LedgerDeletion;

/** Every page this connector returns says what was deleted, even when nothing was. */
export interface QuickBooksChangePage extends ChangePage {
  readonly deletions: readonly Deletion[];
}

export const KIND_OF: Readonly<Record<SyncedEntity, LedgerChange["kind"]>> = {
  Customer: "contact",
  Invoice: "invoice",
  CreditMemo: "credit_note",
  Payment: "payment",
};

export interface MappedRecords {
  readonly debtors: Debtor[];
  readonly invoices: Invoice[];
  readonly creditNotes: CreditNote[];
  readonly payments: Payment[];
  readonly skipped: MappingError[];
}

function attempt<T>(skipped: MappingError[], map: () => T): T | undefined {
  try {
    return map();
  } catch (error) {
    if (error instanceof MappingError) {
      skipped.push(error);
      return undefined;
    }
    throw error;
  }
}

export function mapRecords(records: QboRecords, context: MappingContext): MappedRecords {
  const skipped: MappingError[] = [];
  const debtors = records.Customer.flatMap((customer) => attempt(skipped, () => mapCustomer(customer)) ?? []);
  const invoices = records.Invoice.flatMap((invoice) => attempt(skipped, () => mapInvoice(invoice, context)) ?? []);
  const payments: Payment[] = [];
  const allocations: CreditAllocation[] = [];
  for (const payment of records.Payment) {
    const mapped = attempt(skipped, () => mapPayment(payment, context));
    if (!mapped) continue;
    payments.push(...mapped.payments);
    allocations.push(...mapped.creditAllocations);
  }
  const creditNotes = records.CreditMemo.flatMap(
    (memo) => attempt(skipped, () => mapCreditMemo(memo, context, allocations)) ?? [],
  );
  return { debtors, invoices, creditNotes, payments, skipped };
}

export function emptyRecords(): QboRecords {
  return { Customer: [], Invoice: [], CreditMemo: [], Payment: [] };
}
