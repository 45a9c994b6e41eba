import { addDays, calendarDateOf } from "@relance/core";

export interface LedgerRow {
  readonly debtor: string;
  readonly name?: string;
  readonly email?: string;
  readonly language?: string;
  readonly invoice: string;
  readonly currency?: string;
  readonly amount: string;
  readonly due?: string;
  readonly dueInDays: number;
  readonly issuedDaysBeforeDue?: number;
  /** Segment tags such as "vip" (";"-separated in the cell). */
  readonly tags?: readonly string[];
  readonly kind?: "b2b" | "b2c";
  /** A postal address: letters go by post only to debtors that have one. */
  readonly address?: { readonly line1: string; readonly postalCode: string; readonly city: string; readonly country: string };
}

/** A ledger CSV in Relance's documented format, dated relative to today. */
export function ledgerCsv(rows: readonly LedgerRow[], today = calendarDateOf(Date.now())): string {
  const header =
    "debtor_id,debtor_name,debtor_email,debtor_language,invoice_number,currency,amount,amount_due,issue_date,due_date,debtor_tags,debtor_kind,address_line1,postal_code,city,country";
  const lines = rows.map((row) => {
    const due = addDays(today, row.dueInDays);
    return [
      row.debtor,
      row.name ?? `Debtor ${row.debtor}`,
      row.email ?? `${row.debtor.toLowerCase()}@debtors.example`,
      row.language ?? "en",
      row.invoice,
      row.currency ?? "EUR",
      row.amount,
      row.due ?? row.amount,
      addDays(due, -(row.issuedDaysBeforeDue ?? 30)),
      due,
      (row.tags ?? []).join(";"),
      row.kind ?? "",
      row.address?.line1 ?? "",
      row.address?.postalCode ?? "",
      row.address?.city ?? "",
      row.address?.country ?? "",
    ].join(",");
  });
  return `${[header, ...lines].join("\n")}\n`;
}
