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
}

/** A ledger CSV in Relance's documented format, dated relative to today. */
export function ledgerCsv(rows: readonly LedgerRow[], today = calendarDateOf(Date.now())): string {
  const header =
    "debtor_id,debtor_name,debtor_email,debtor_language,invoice_number,currency,amount,amount_due,issue_date,due_date";
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
    ].join(",");
  });
  return `${[header, ...lines].join("\n")}\n`;
}
