import type { CaseInvoice } from "@relance/core";

/** What a case holds of an open invoice: no personal data, only what planning needs. */
export function toCaseInvoice(invoice: {
  readonly id: string;
  readonly number: string;
  readonly currency: string;
  readonly balanceMinor: number;
  readonly dueDate: string;
}): CaseInvoice {
  return {
    id: invoice.id,
    number: invoice.number,
    currency: invoice.currency,
    balanceMinor: invoice.balanceMinor,
    dueDate: invoice.dueDate,
  };
}
