/** The columns of a ledger CSV, the header aliases we recognise, and how a header line maps to them. */
import type { Issue } from "@relance/core";

export const COLUMNS = [
  "debtor_id",
  "debtor_name",
  "debtor_email",
  "invoice_number",
  "currency",
  "amount",
  "amount_due",
  "issue_date",
  "due_date",
  "status",
  "debtor_language",
  "debtor_kind",
  "debtor_phone",
  "address_line1",
  "address_line2",
  "postal_code",
  "city",
  "country",
  "reference",
  "debtor_tags",
] as const;

export type Column = (typeof COLUMNS)[number];

export const REQUIRED_COLUMNS: readonly Column[] = [
  "debtor_id",
  "debtor_name",
  "debtor_email",
  "invoice_number",
  "currency",
  "amount",
  "issue_date",
  "due_date",
];

/**
 * Other names seen in French and English exports, in normalised form (see `normaliseHeader`).
 * Kept short on purpose: anything else goes through the `mapping` option.
 */
const ALIASES: Readonly<Record<string, Column>> = {
  client_id: "debtor_id",
  customer_id: "debtor_id",
  code_client: "debtor_id",
  client: "debtor_name",
  customer: "debtor_name",
  customer_name: "debtor_name",
  nom_client: "debtor_name",
  raison_sociale: "debtor_name",
  email: "debtor_email",
  e_mail: "debtor_email",
  courriel: "debtor_email",
  invoice: "invoice_number",
  invoice_no: "invoice_number",
  numero_facture: "invoice_number",
  num_facture: "invoice_number",
  facture: "invoice_number",
  devise: "currency",
  montant: "amount",
  montant_ttc: "amount",
  total: "amount",
  balance: "amount_due",
  solde: "amount_due",
  reste_a_payer: "amount_due",
  montant_du: "amount_due",
  invoice_date: "issue_date",
  date_facture: "issue_date",
  echeance: "due_date",
  date_echeance: "due_date",
  statut: "status",
  langue: "debtor_language",
  telephone: "debtor_phone",
  phone: "debtor_phone",
  adresse: "address_line1",
  address: "address_line1",
  code_postal: "postal_code",
  zip: "postal_code",
  ville: "city",
  pays: "country",
};

/** "  Numéro facture " → "numero_facture": trimmed, lower case, accents dropped, spaces and dashes to "_". */
export function normaliseHeader(name: string): string {
  return name
    .trim()
    .toLowerCase()
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/[\s\-.]+/g, "_");
}

export interface ColumnLayout {
  /** Index of each of our columns in a row, or -1 when the file has no such column. */
  readonly index: Readonly<Record<Column, number>>;
  /** The header as written in the file, by position: issues name columns the way the user sees them. */
  readonly header: readonly string[];
  readonly ignored: readonly string[];
}

/** Resolves a header row. Issues (all on line `line`) mean the file cannot be read at all. */
export function resolveHeader(
  header: readonly string[],
  mapping: Readonly<Record<string, Column>>,
  line: number,
): { layout: ColumnLayout; issues: Issue[] } {
  const issues: Issue[] = [];
  const explicit = new Map<string, Column>();
  for (const [from, to] of Object.entries(mapping)) explicit.set(normaliseHeader(from), to);

  const index = Object.fromEntries(COLUMNS.map((column) => [column, -1])) as Record<Column, number>;
  const ignored: string[] = [];
  const names = header.map((name) => name.trim());

  names.forEach((name, position) => {
    const key = normaliseHeader(name);
    // Excel leaves empty header cells after the last real column.
    if (key === "") return;
    const column = explicit.get(key) ?? (isColumn(key) ? key : ALIASES[key]);
    if (column === undefined) {
      // Columns we do not read may repeat: exports often carry several "Commentaire" or blank ones.
      ignored.push(name);
      return;
    }
    const taken = index[column];
    if (taken !== -1) {
      const earlier = names[taken] as string;
      issues.push({
        line,
        column: name,
        message:
          normaliseHeader(earlier) === key
            ? `the header has column "${name}" twice (positions ${taken + 1} and ${position + 1})`
            : `columns "${earlier}" and "${name}" are both read as ${column}; map one of them to another column`,
      });
      return;
    }
    index[column] = position;
  });

  const found = names.filter((name) => name !== "").join(", ") || "(nothing)";
  for (const column of REQUIRED_COLUMNS) {
    if (index[column] !== -1) continue;
    const mappedFrom = Object.entries(mapping).find(([, to]) => to === column)?.[0];
    const hint = mappedFrom === undefined ? "" : ` (the mapping reads it from "${mappedFrom}", which is not in the header)`;
    issues.push({ line, column, message: `missing required column ${column}${hint}; the header has: ${found}` });
  }
  return { layout: { index, header: names, ignored }, issues };
}

function isColumn(name: string): name is Column {
  return (COLUMNS as readonly string[]).includes(name);
}
