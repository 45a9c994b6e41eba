/** Renders a step's template into one grouped statement of the debtor's unpaid invoices. */
import { type CalendarDate, daysBetween, formatMoney, type Money, totalsByCurrency } from "@relance/core";
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

export interface ComposeInput {
  readonly template: MessageTemplate;
  readonly language: string;
  readonly today: CalendarDate;
  readonly debtorName: string;
  readonly companyName: string;
  readonly senderName: string;
  readonly invoices: readonly StatementLine[];
}

const plain = { escape: (value: unknown) => String(value) };

function formatDate(date: CalendarDate, language: string): string {
  return new Intl.DateTimeFormat(language, { dateStyle: "long", timeZone: "UTC" }).format(new Date(`${date}T00:00:00Z`));
}

export function composeMessage(input: ComposeInput): { subject: string; text: string; html: string } {
  const { language } = input;
  const invoices = [...input.invoices].sort((a, b) => a.dueDate.localeCompare(b.dueDate) || a.number.localeCompare(b.number));
  const view = {
    debtorName: input.debtorName,
    companyName: input.companyName,
    senderName: input.senderName,
    invoiceCount: invoices.length,
    totalDue: totalsByCurrency(invoices.map((line) => line.balance))
      .map((total) => formatMoney(total, language))
      .join(" + "),
    invoices: invoices.map((line) => {
      const overdue = daysBetween(line.dueDate, input.today);
      return {
        number: line.number,
        issueDate: formatDate(line.issueDate, language),
        dueDate: formatDate(line.dueDate, language),
        amountDue: formatMoney(line.balance, language),
        daysOverdue: overdue > 0 ? overdue : null,
      };
    }),
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
