/** Checks on what the workflow hands over, reported the way the API shows them: one issue per field. */
import { type EvidenceBundle, type Issue, isCurrency, type Money } from "@relance/core";

const isPositiveMinor = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) > 0;
const isNonEmptyString = (value: unknown): value is string => typeof value === "string" && value.trim() !== "";

/**
 * What a collection agency would refuse in a claim: no invoice, an unknown currency, an amount that is
 * not a positive whole number of minor units, an invoice of another debtor (never hand a third party's
 * debt, nor their data, to an agency). Empty when the bundle can be placed.
 */
export function bundleIssues(bundle: EvidenceBundle): Issue[] {
  const issues: Issue[] = [];
  const debtorId: unknown = bundle.debtor?.externalId;
  if (!isNonEmptyString(debtorId)) issues.push({ path: "debtor.externalId", message: "required" });
  if (!Array.isArray(bundle.invoices) || bundle.invoices.length === 0) {
    issues.push({ path: "invoices", message: "at least one invoice is required" });
    return issues;
  }
  bundle.invoices.forEach((invoice, index) => {
    const at = `invoices[${index}]`;
    if (typeof invoice !== "object" || invoice === null) {
      issues.push({ path: at, message: "must be an invoice" });
      return;
    }
    if (typeof invoice.currency !== "string" || !isCurrency(invoice.currency)) {
      issues.push({ path: `${at}.currency`, message: "must be an ISO 4217 currency code such as EUR" });
    }
    for (const field of ["totalMinor", "balanceMinor"] as const) {
      if (!isPositiveMinor(invoice[field])) {
        issues.push({ path: `${at}.${field}`, message: "must be a positive whole number of minor units" });
      }
    }
    if (
      isPositiveMinor(invoice.totalMinor) &&
      isPositiveMinor(invoice.balanceMinor) &&
      invoice.balanceMinor > invoice.totalMinor
    ) {
      issues.push({ path: `${at}.balanceMinor`, message: "cannot exceed the invoice total" });
    }
    if (isNonEmptyString(debtorId) && invoice.debtorExternalId !== debtorId) {
      issues.push({ path: `${at}.debtorExternalId`, message: "must be the bundle's debtor" });
    }
  });
  return issues;
}

/** A payment reported to the agency: a positive amount in a known currency. */
export function moneyIssues(amount: Money, path: string): Issue[] {
  const issues: Issue[] = [];
  if (!isPositiveMinor(amount?.amountMinor)) {
    issues.push({ path: `${path}.amountMinor`, message: "must be a positive whole number of minor units" });
  }
  if (typeof amount?.currency !== "string" || !isCurrency(amount.currency)) {
    issues.push({ path: `${path}.currency`, message: "must be an ISO 4217 currency code such as EUR" });
  }
  return issues;
}
