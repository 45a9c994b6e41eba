import { money } from "@relance/core";
import { describe, expect, it } from "vitest";
import { composeMessage } from "../src/activities/compose-message";

const lines = [
  { number: "F-1", issueDate: "2026-10-01", dueDate: "2026-10-31", balance: money(125_000, "EUR") },
  { number: "F-2", issueDate: "2026-11-20", dueDate: "2026-12-20", balance: money(48_040, "EUR") },
];

describe("composeMessage", () => {
  it("states apart what is past due: a formal notice never demands what is not due yet", () => {
    const { text } = composeMessage({
      template: {
        subject: "Due {{overdueTotal}}",
        text: "{{#overdueInvoices}}{{number}} ({{daysOverdue}} days) {{/overdueInvoices}}| all: {{#invoices}}{{number}} {{/invoices}}| {{totalDue}}",
      },
      language: "en",
      today: "2026-11-30",
      debtorName: "D",
      companyName: "C",
      senderName: "S",
      invoices: lines,
    });
    expect(text).toBe("F-1 (30 days) | all: F-1 F-2 | €1,730.40");
  });

  it("formats the statutory charges, a promise and an instalment in the message's language", () => {
    const { text } = composeMessage({
      template: {
        subject: "x",
        text: "{{legal.recoveryIndemnity}} {{legal.interestRate}} {{promise.date}} {{promise.amount}} {{instalment.number}}/{{instalment.count}}",
      },
      language: "fr",
      today: "2026-11-30",
      debtorName: "D",
      companyName: "C",
      senderName: "S",
      invoices: lines,
      extras: {
        legal: { recoveryIndemnity: money(4_000, "EUR"), interestRateBasisPoints: 1215 },
        promise: { date: "2026-12-15", amount: money(50_000, "EUR") },
        instalment: { number: 2, count: 3, date: "2027-01-15", amount: money(20_000, "EUR") },
      },
    });
    expect(text.replace(/\s/g, " ")).toBe("40,00 € 12,15 % 15 décembre 2026 500,00 € 2/3");
  });
});
