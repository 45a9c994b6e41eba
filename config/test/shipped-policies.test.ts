/**
 * The shipped escalation policies (config/policies/*.yaml) and their message templates
 * (config/templates/<language>/<key>.yaml), checked against the collection-policy schema of @relance/core.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { type CollectionPolicy, type CollectionPolicyInput, collectionPolicySchema, formatIssuePath } from "@relance/core";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";

const policiesDir = fileURLToPath(new URL("../policies/", import.meta.url));
const templatesDir = fileURLToPath(new URL("../templates/", import.meta.url));

/** Actions that send the debtor something, so need a template in every language of the policy. */
const SENDING_ACTIONS = new Set(["email", "letter", "registered_letter", "formal_notice"]);
const LETTER_ACTIONS = new Set(["letter", "registered_letter", "formal_notice"]);

// ---------------------------------------------------------------------------------------------------------
// Loading

interface ShippedPolicy {
  readonly file: string;
  readonly raw: unknown;
  readonly result: ReturnType<typeof collectionPolicySchema.safeParse>;
}

const shipped: readonly ShippedPolicy[] = readdirSync(policiesDir)
  .filter((name) => /\.ya?ml$/.test(name))
  .sort()
  .map((file) => {
    const raw: unknown = parseYaml(readFileSync(join(policiesDir, file), "utf8"));
    return { file, raw, result: collectionPolicySchema.safeParse(raw) };
  });

function describeIssues(result: ShippedPolicy["result"]): string {
  return result.success ? "" : result.error.issues.map((issue) => `${formatIssuePath(issue.path)}: ${issue.message}`).join("\n");
}

const policies = new Map<string, CollectionPolicy>();
for (const { result } of shipped) if (result.success) policies.set(result.data.key, result.data);

function policy(key: string): CollectionPolicy {
  const found = policies.get(key);
  if (!found) throw new Error(`policy ${key} is not shipped or does not validate`);
  return found;
}

function rawPolicy(key: string): Record<string, unknown> & { steps: Record<string, unknown>[] } {
  const found = shipped.find((entry) => (entry.raw as { key?: unknown }).key === key);
  if (!found) throw new Error(`policy ${key} is not shipped`);
  return structuredClone(found.raw) as Record<string, unknown> & { steps: Record<string, unknown>[] };
}

interface TemplateReference {
  readonly key: string;
  /** Where the policy names it, e.g. "steps[3].template". */
  readonly where: string;
  /** The debtor receives it. */
  readonly toDebtor: boolean;
  /** A postal letter (carries the sender company). */
  readonly letter: boolean;
}

function templateReferences(p: CollectionPolicy): TemplateReference[] {
  const references: TemplateReference[] = [];
  p.steps.forEach((step, index) => {
    if (step.template === undefined) return;
    references.push({
      key: step.template,
      where: `steps[${index}].template`,
      toDebtor: SENDING_ACTIONS.has(step.action),
      letter: LETTER_ACTIONS.has(step.action),
    });
  });
  references.push(
    { key: p.notices.disputeOutcome, where: "notices.disputeOutcome", toDebtor: true, letter: false },
    { key: p.notices.brokenPromise, where: "notices.brokenPromise", toDebtor: true, letter: false },
    { key: p.paymentPlans.reminderTemplate, where: "paymentPlans.reminderTemplate", toDebtor: true, letter: false },
  );
  return references;
}

interface Template {
  readonly subject: string;
  readonly text: string;
}

function templatePath(language: string, key: string): string {
  return join(templatesDir, language, `${key}.yaml`);
}

function readTemplate(language: string, key: string): Template {
  return parseYaml(readFileSync(templatePath(language, key), "utf8")) as Template;
}

function listTemplateFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return listTemplateFiles(path);
    return entry.name.endsWith(".yaml") ? [path] : [];
  });
}

// ---------------------------------------------------------------------------------------------------------
// Mustache: the variables the caller provides, a strict tag check, and a real render when the engine resolves

const TOP_LEVEL_VARIABLES = new Set([
  "debtorName",
  "companyName",
  "senderName",
  "invoiceCount",
  "totalDue",
  "invoices",
  "overdueInvoices",
  "overdueTotal",
  "legal.recoveryIndemnity",
  "legal.interestRate",
  "promise.date",
  "promise.amount",
  "instalment.number",
  "instalment.count",
  "instalment.date",
  "instalment.amount",
  "dispute.invoiceNumber",
  "dispute.outcome",
  "dispute.explanation",
  "dispute.slaDate",
  "mediator.name",
]);
const INVOICE_VARIABLES = new Set(["number", "issueDate", "dueDate", "amountDue", "daysOverdue"]);

/** Problems with the Mustache tags of a template: unknown variables, unbalanced sections, stray braces. */
function tagProblems(template: string): string[] {
  const problems: string[] = [];
  const open: string[] = [];
  const tag = /\{\{\s*([#^/!]?)\s*([^{}]*?)\s*\}\}/g;
  for (const match of template.matchAll(tag)) {
    const sigil = match[1] ?? "";
    const name = match[2] ?? "";
    if (sigil === "!") continue;
    if (sigil === "/") {
      const last = open.pop();
      if (last !== name) problems.push(`{{/${name}}} closes ${last === undefined ? "no section" : `{{#${last}}}`}`);
      continue;
    }
    if (
      !TOP_LEVEL_VARIABLES.has(name) &&
      !((open.includes("invoices") || open.includes("overdueInvoices")) && INVOICE_VARIABLES.has(name))
    ) {
      problems.push(`unknown variable {{${sigil}${name}}}`);
    }
    if (sigil === "#" || sigil === "^") open.push(name);
  }
  for (const name of open) problems.push(`{{#${name}}} is never closed`);
  if (/[{}]/.test(template.replace(tag, ""))) problems.push("a brace outside a well-formed {{tag}}");
  return problems;
}

interface MustacheEngine {
  render(template: string, view: object, partials?: object, config?: { escape?: (value: unknown) => string }): string;
}

/** The engine the workflows package renders with (compose-message.ts); config does not depend on it. */
function loadMustache(): MustacheEngine {
  return createRequire(new URL("../../workflows/package.json", import.meta.url))("mustache") as MustacheEngine;
}
const mustache = loadMustache();

const sampleView = {
  debtorName: "Dupont Industries",
  companyName: "Atelier Lumière",
  senderName: "Claire Martin",
  invoiceCount: 2,
  totalDue: "1 500,00 €",
  invoices: [
    { number: "F-2025-0042", issueDate: "1 mars 2025", dueDate: "31 mars 2025", amountDue: "1 200,00 €", daysOverdue: 12 },
    { number: "F-2025-0057", issueDate: "15 mars 2025", dueDate: "14 avril 2025", amountDue: "300,00 €", daysOverdue: null },
  ],
  legal: { recoveryIndemnity: "80,00 €", interestRate: "12,15 %" },
  promise: { date: "20 avril 2025", amount: "500,00 €" },
  instalment: { number: 2, count: 6, date: "5 mai 2025", amount: "250,00 €" },
  dispute: {
    invoiceNumber: "F-2025-0042",
    outcome: "rejected",
    explanation: "Delivery was signed for.",
    slaDate: "30 avril 2025",
  },
  mediator: { name: "Paul Bernard" },
};
Object.assign(sampleView, { overdueInvoices: sampleView.invoices, overdueTotal: sampleView.totalDue });
const plain = { escape: (value: unknown) => String(value) };

// ---------------------------------------------------------------------------------------------------------

describe("shipped policies", () => {
  it("ships the default ladders", () => {
    expect(shipped.map((entry) => entry.file)).toEqual(
      expect.arrayContaining(["consumer.yaml", "email-3-steps.yaml", "fr-b2b-gentle.yaml", "fr-b2b.yaml", "uk-b2b.yaml"]),
    );
  });

  for (const entry of shipped) {
    describe(entry.file, () => {
      it("validates against collectionPolicySchema", () => {
        expect(entry.result.success, describeIssues(entry.result)).toBe(true);
      });

      it("is named after its key", () => {
        expect(entry.result.success && entry.file.replace(/\.ya?ml$/, "")).toBe((entry.raw as { key?: unknown }).key);
      });

      it("has every template it names in every language it lists", () => {
        if (!entry.result.success) return expect.unreachable(describeIssues(entry.result));
        const p = entry.result.data;
        const missing = p.languages.flatMap((language) =>
          templateReferences(p)
            .filter((reference) => !existsSync(templatePath(language, reference.key)))
            .map((reference) => `${reference.where}: ${language}/${reference.key}.yaml`),
        );
        expect(missing).toEqual([]);
      });

      it("gives every sending step a template", () => {
        if (!entry.result.success) return expect.unreachable(describeIssues(entry.result));
        for (const step of entry.result.data.steps) {
          if (SENDING_ACTIONS.has(step.action) || step.action === "phone_task") expect(step.template, step.id).toBeDefined();
        }
      });

      it("sends templates that list the invoices, state the total and say how to raise a problem", () => {
        if (!entry.result.success) return expect.unreachable(describeIssues(entry.result));
        const p = entry.result.data;
        for (const language of p.languages) {
          for (const reference of templateReferences(p).filter((r) => r.toDebtor)) {
            const label = `${language}/${reference.key} (${reference.where})`;
            const { text } = readTemplate(language, reference.key);
            // Every statement lists invoices with a total; final notices list only what is past due.
            expect(text, label).toMatch(/\{\{#(overdueI|i)nvoices\}\}[\s\S]*\{\{number\}\}[\s\S]*\{\{\/(overdueI|i)nvoices\}\}/);
            expect(text, label).toMatch(/\{\{(totalDue|overdueTotal)\}\}/);
            expect(text, label).toMatch(language === "fr" ? /répond/i : /\brepl(y|ying)\b/i);
            if (reference.letter) {
              expect(text, label).toContain("{{companyName}}");
              expect(text, label).toContain("{{senderName}}");
            }
          }
        }
      });
    });
  }

  it("has unique keys", () => {
    const keys = shipped.map((entry) => (entry.raw as { key?: unknown }).key);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it("names an existing base policy in every variant, with the same languages", () => {
    const variants = [...policies.values()].filter((p) => p.variantOf !== undefined);
    expect(variants.map((p) => p.key)).toContain("fr-b2b-gentle");
    for (const variant of variants) {
      const base = policies.get(variant.variantOf ?? "");
      expect(base, `${variant.key}.variantOf`).toBeDefined();
      expect(base?.variantOf, `${variant.key}: the base is not itself a variant`).toBeUndefined();
      expect(variant.appliesTo, `${variant.key}.appliesTo`).toBeDefined();
      expect([...variant.languages].sort(), variant.key).toEqual([...(base?.languages ?? [])].sort());
    }
  });
});

describe("shipped templates", () => {
  const files = listTemplateFiles(templatesDir);

  it("include the shared notices and the mediator reminder in English and French", () => {
    for (const language of ["en", "fr"]) {
      for (const key of ["dispute-outcome", "broken-promise", "instalment-reminder", "mediator-reminder"]) {
        expect(existsSync(templatePath(language, key)), `${language}/${key}`).toBe(true);
      }
    }
  });

  for (const file of files) {
    const name = relative(templatesDir, file);
    describe(name, () => {
      const template = parseYaml(readFileSync(file, "utf8")) as unknown;

      it("has a non-empty subject and text", () => {
        expect(template).toEqual({ subject: expect.any(String), text: expect.any(String) });
        const { subject, text } = template as Template;
        expect(subject.trim()).not.toBe("");
        expect(text.trim()).not.toBe("");
        expect(subject).not.toContain("\n");
      });

      it("uses only known variables in well-formed Mustache sections", () => {
        const { subject, text } = template as Template;
        expect(tagProblems(subject), "subject").toEqual([]);
        expect(tagProblems(text), "text").toEqual([]);
      });

      it("renders with Mustache", () => {
        const { subject, text } = template as Template;
        const renderedSubject = mustache.render(subject, sampleView, {}, plain).replace(/\s+/g, " ").trim();
        const renderedText = mustache.render(text, sampleView, {}, plain);
        expect(renderedSubject).not.toBe("");
        expect(`${renderedSubject}\n${renderedText}`).not.toMatch(/\{\{|\}\}/);
        expect(renderedText).toContain("F-2025-0042");
        expect(renderedText).toContain("F-2025-0057");
        expect(renderedText).toContain("1 500,00 €");
      });
    });
  }

  it("dispute outcome reads well when nothing is left to pay", () => {
    const view = { ...sampleView, invoiceCount: 0, invoices: [], totalDue: "0,00 €" };
    const en = mustache.render(readTemplate("en", "dispute-outcome").text, view, {}, plain);
    const fr = mustache.render(readTemplate("fr", "dispute-outcome").text, view, {}, plain);
    expect(en).toContain("Nothing is currently outstanding");
    expect(en).not.toContain("Total outstanding");
    expect(fr).toContain("Aucune somme ne reste due");
    expect(fr).not.toContain("Total dû");
  });
});

describe("ladders", () => {
  const ladder = (p: CollectionPolicy) => p.steps.map((step) => [step.offsetDays, step.action]);

  it("email-3-steps keeps its three emails and behaves as before", () => {
    const p = policy("email-3-steps");
    expect(p.steps.map((step) => [step.id, step.offsetDays, step.action, step.template])).toEqual([
      ["pre-due", -3, "email", "pre-due-reminder"],
      ["first-reminder", 1, "email", "first-reminder"],
      ["second-reminder", 8, "email", "second-reminder"],
    ]);
    expect(p.languages).toEqual(["en", "fr"]);
    expect(p.guards).toMatchObject({ businessDaysOnly: false, minGapDays: 0, maxContactsPer30Days: 10 });
  });

  it("fr-b2b: emails, a phone call, a letter, three registered letters, formal notice, agency", () => {
    const p = policy("fr-b2b");
    expect(p.languages).toEqual(["fr", "en"]);
    expect(ladder(p)).toEqual([
      [-5, "email"],
      [1, "email"],
      [8, "email"],
      [8, "phone_task"],
      [15, "letter"],
      [22, "registered_letter"],
      [29, "registered_letter"],
      [36, "registered_letter"],
      [45, "formal_notice"],
      [60, "agency"],
    ]);
    expect(p.steps.at(-1)?.when?.amountBands).toContainEqual({ currency: "EUR", minMinor: 15000 });
    expect(p.lateCharges).toEqual({ recoveryIndemnityMinor: { EUR: 4000 }, interestRateBasisPoints: 1215 });
    expect(p.guards).toEqual({
      businessDaysOnly: true,
      quietHours: { start: "20:00", end: "08:00" },
      minGapDays: 3,
      maxContactsPer30Days: 8,
    });
    expect(p.disputes).toEqual({ chaseUndisputed: true, mediationSlaDays: 14, mediatorReminderEveryDays: 3 });
    expect(p.promises.graceDays).toBe(2);
    expect(p.paymentPlans).toMatchObject({
      maxInstalments: 6,
      minInstalmentMinor: { EUR: 5000 },
      graceDays: 3,
      reminderDaysBefore: 3,
    });
  });

  it("fr-b2b: the formal notice states the €40 indemnity and late-payment penalties in both languages", () => {
    const template = policy("fr-b2b").steps.find((step) => step.action === "formal_notice")?.template ?? "";
    const fr = readTemplate("fr", template).text;
    expect(fr).toContain("40 €");
    expect(fr).toContain("indemnité forfaitaire pour frais de recouvrement de 40 €");
    expect(fr).toContain("pénalités de retard");
    expect(fr).toMatch(/nous vous mettons en demeure de régler .* sous huit jours/i);
    expect(fr).toContain("L441-10");
    expect(fr).toContain("{{legal.interestRate}}");
    expect(fr).toContain("{{legal.recoveryIndemnity}}");
    const en = readTemplate("en", template).text;
    expect(en).toContain("€40");
    expect(en).toContain("L441-10");
    expect(en).toContain("{{legal.interestRate}}");
    expect(en).toContain("{{legal.recoveryIndemnity}}");
  });

  it("fr-b2b-gentle: a softer ladder for vip and new customers that ends with a person", () => {
    const p = policy("fr-b2b-gentle");
    expect(p.variantOf).toBe("fr-b2b");
    expect(p.appliesTo).toEqual({ segmentsAny: ["vip", "new"] });
    expect(ladder(p)).toEqual([
      [-3, "email"],
      [3, "email"],
      [10, "phone_task"],
      [20, "email"],
      [30, "letter"],
      [45, "registered_letter"],
      [60, "wait_for_human"],
    ]);
    expect(p.lateCharges).toBeUndefined();
  });

  it("uk-b2b: Late Payment Act final demand, then agency", () => {
    const p = policy("uk-b2b");
    expect(p.languages).toEqual(["en"]);
    expect(ladder(p)).toEqual([
      [-3, "email"],
      [1, "email"],
      [7, "email"],
      [14, "phone_task"],
      [21, "letter"],
      [30, "formal_notice"],
      [45, "agency"],
    ]);
    expect(p.lateCharges).toEqual({ recoveryIndemnityMinor: { GBP: 4000 }, interestRateBasisPoints: 1200 });
    expect(p.guards).toEqual({
      businessDaysOnly: true,
      quietHours: { start: "20:00", end: "08:00" },
      minGapDays: 3,
      maxContactsPer30Days: 8,
    });
    const demand = readTemplate("en", p.steps.find((step) => step.action === "formal_notice")?.template ?? "").text;
    expect(demand).toContain("Late Payment of Commercial Debts (Interest) Act 1998");
    expect(demand).toMatch(/currently \{\{legal\.interestRate\}\}/);
    expect(demand).toContain("Bank of England base rate");
    for (const band of ["£40", "£70", "£100", "£1,000", "£10,000"]) expect(demand).toContain(band);
  });

  it("consumer: no fees ever, strict guards, ends with a person", () => {
    const p = policy("consumer");
    expect(p.languages).toEqual(["en", "fr"]);
    expect(ladder(p)).toEqual([
      [-3, "email"],
      [3, "email"],
      [10, "email"],
      [17, "letter"],
      [30, "letter"],
      [45, "wait_for_human"],
    ]);
    expect(p.steps.some((step) => step.action === "late_fee")).toBe(false);
    expect(p.steps.some((step) => step.repeat !== undefined)).toBe(false);
    expect(p.lateCharges).toBeUndefined();
    expect(p.guards).toEqual({
      businessDaysOnly: true,
      quietHours: { start: "20:00", end: "09:00" },
      minGapDays: 5,
      maxContactsPer30Days: 4,
    });
    for (const language of p.languages) {
      for (const { key } of templateReferences(p)) {
        const { subject, text } = readTemplate(language, key);
        expect(`${subject}\n${text}`, `${language}/${key}`).not.toMatch(
          /legal\.|pénalit|indemnit|intérêts|late fee|late-payment|statutory|compensation/i,
        );
      }
    }
    const finalLetter = p.steps.at(-2)?.template ?? "";
    expect(readTemplate("en", finalLetter).text).toMatch(/MoneyHelper[\s\S]*StepChange/);
    expect(readTemplate("fr", finalLetter).text).toContain("point conseil budget");
  });
});

describe("a broken policy names the exact path", () => {
  function issuePaths(input: unknown): string[] {
    const result = collectionPolicySchema.safeParse(input as CollectionPolicyInput);
    expect(result.success).toBe(false);
    return result.success ? [] : result.error.issues.map((issue) => formatIssuePath(issue.path));
  }

  it("a step offset that is not a number", () => {
    const input = rawPolicy("fr-b2b");
    input.steps[1]!.offsetDays = "x";
    expect(issuePaths(input)).toEqual(["steps[1].offsetDays"]);
  });

  it("a repeat on a step that is not the last", () => {
    const input = rawPolicy("fr-b2b");
    input.steps[0]!.repeat = { everyDays: 7, times: 2 };
    expect(issuePaths(input)).toEqual(["steps[0].repeat"]);
  });

  it("a letter without a template", () => {
    const input = rawPolicy("fr-b2b");
    input.steps[2] = { id: "letter-d8", offsetDays: 8, action: "letter" };
    expect(issuePaths(input)).toEqual(["steps[2].template"]);
  });

  it("a step earlier than the one before it", () => {
    const input = rawPolicy("fr-b2b");
    input.steps[4]!.offsetDays = 2;
    expect(issuePaths(input)).toEqual(["steps[4].offsetDays"]);
  });

  it("an unknown key in a step (the schema is strict)", () => {
    const input = rawPolicy("fr-b2b");
    input.steps[3]!.templates = "fr-b2b/phone-script";
    const result = collectionPolicySchema.safeParse(input);
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => [formatIssuePath(issue.path), issue.code])).toEqual([
      ["steps[3]", "unrecognized_keys"],
    ]);
    expect(result.error?.issues[0]?.message).toContain("templates");
  });

  it("a malformed quiet-hours time", () => {
    const input = rawPolicy("uk-b2b");
    input.guards = { ...(input.guards as object), quietHours: { start: "20:00", end: "8:00" } };
    expect(issuePaths(input)).toEqual(["guards.quietHours.end"]);
  });

  it("a variant that does not say whom it applies to", () => {
    const input = rawPolicy("fr-b2b-gentle");
    delete input.appliesTo;
    expect(issuePaths(input)).toEqual(["appliesTo"]);
  });
});
