/** Renders a step's template into one grouped statement of the debtor's unpaid invoices. */
import { type CalendarDate, daysBetween, formatMoney, type Money, memoByKey, totalsByCurrency } from "@relance/core";
import Mustache from "mustache";

export interface MessageTemplate {
  readonly subject: string;
  readonly text: string;
}

export interface StatementLine {
  readonly number: string;
  readonly issueDate: CalendarDate;
  readonly dueDate: CalendarDate;
  readonly balance: Money;
}

/** Facts some templates state: statutory charges, a promise, an instalment, a dispute's outcome. */
export interface ComposeExtras {
  readonly legal?: { readonly recoveryIndemnity?: Money; readonly interestRateBasisPoints?: number };
  readonly promise?: { readonly date: CalendarDate; readonly amount: Money };
  readonly instalment?: { readonly number: number; readonly count: number; readonly date: CalendarDate; readonly amount: Money };
  readonly dispute?: {
    readonly invoiceNumber: string;
    readonly outcome: string;
    readonly explanation: string;
    readonly slaDate?: CalendarDate;
  };
  readonly mediator?: { readonly name: string };
}

export interface ComposeInput {
  readonly template: MessageTemplate;
  readonly language: string;
  readonly today: CalendarDate;
  readonly debtorName: string;
  readonly companyName: string;
  readonly senderName: string;
  readonly invoices: readonly StatementLine[];
  readonly extras?: ComposeExtras;
}

const plain = { escape: (value: unknown) => String(value) };

/** One formatter per language: building one costs far more than using it. */
const dateFormat = memoByKey((language) => new Intl.DateTimeFormat(language, { dateStyle: "long", timeZone: "UTC" }));
const percentFormat = memoByKey((language) => new Intl.NumberFormat(language, { style: "percent", minimumFractionDigits: 2 }));

function formatDate(date: CalendarDate, language: string): string {
  return dateFormat(language).format(new Date(`${date}T00:00:00Z`));
}

export function composeMessage(input: ComposeInput): { subject: string; text: string; html: string } {
  const { language } = input;
  const invoices = [...input.invoices].sort((a, b) => a.dueDate.localeCompare(b.dueDate) || a.number.localeCompare(b.number));
  const extras = input.extras ?? {};
  const statementLine = (line: StatementLine) => {
    const overdue = daysBetween(line.dueDate, input.today);
    return {
      number: line.number,
      issueDate: formatDate(line.issueDate, language),
      dueDate: formatDate(line.dueDate, language),
      amountDue: formatMoney(line.balance, language),
      daysOverdue: overdue > 0 ? overdue : null,
    };
  };
  const percent = (basisPoints: number) => percentFormat(language).format(basisPoints / 10_000);
  const view = {
    legal: {
      recoveryIndemnity: extras.legal?.recoveryIndemnity ? formatMoney(extras.legal.recoveryIndemnity, language) : "",
      interestRate: extras.legal?.interestRateBasisPoints === undefined ? "" : percent(extras.legal.interestRateBasisPoints),
    },
    promise: extras.promise && {
      date: formatDate(extras.promise.date, language),
      amount: formatMoney(extras.promise.amount, language),
    },
    instalment: extras.instalment && {
      number: extras.instalment.number,
      count: extras.instalment.count,
      date: formatDate(extras.instalment.date, language),
      amount: formatMoney(extras.instalment.amount, language),
    },
    dispute: extras.dispute && {
      ...extras.dispute,
      slaDate: extras.dispute.slaDate ? formatDate(extras.dispute.slaDate, language) : "",
    },
    mediator: extras.mediator,
    debtorName: input.debtorName,
    companyName: input.companyName,
    senderName: input.senderName,
    invoiceCount: invoices.length,
    totalDue: totalsByCurrency(invoices.map((line) => line.balance))
      .map((total) => formatMoney(total, language))
      .join(" + "),
    // What is past due, apart: a formal notice demands these, never what is not due yet.
    overdueTotal: totalsByCurrency(invoices.filter((line) => line.dueDate < input.today).map((line) => line.balance))
      .map((total) => formatMoney(total, language))
      .join(" + "),
    invoices: invoices.map(statementLine),
    overdueInvoices: invoices.filter((line) => line.dueDate < input.today).map(statementLine),
  };
  const subject = Mustache.render(input.template.subject, view, {}, plain).replace(/\s+/g, " ").trim();
  const text = Mustache.render(input.template.text, view, {}, plain);
  return { subject, text, html: textToHtml(text, language) };
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

function textToHtml(text: string, language: string): string {
  const blocks = text
    .trim()
    .split(/\n\s*\n/)
    .map((block) => {
      const lines = block.split("\n").map((line) => line.trim());
      if (lines.every((line) => line.startsWith("- "))) {
        return `<ul>${lines.map((line) => `<li>${escapeHtml(line.slice(2))}</li>`).join("")}</ul>`;
      }
      return `<p>${lines.map(escapeHtml).join("<br>")}</p>`;
    });
  return `<!doctype html><html lang="${escapeHtml(language)}"><body>${blocks.join("\n")}</body></html>`;
}
