/**
 * Validation of authored policies (YAML in config/policies, JSON through the API). Issues carry the exact
 * path ("steps[3].offsetDays") so an author can find what is wrong.
 */
import { z } from "zod";
import { isCalendarDate } from "../dates";
import { isCurrency } from "../money";
import {
  CONTACT_CHANNELS,
  type CollectionPolicy,
  CUSTOMER_KINDS,
  type DebtorOverrides,
  STEP_ACTIONS,
  type StepAction,
} from "./policy";

const slug = z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "lower-case letters, digits and dashes");
/** Segment tags ("vip", "new", "repeat_late"): like a slug, underscores allowed. */
export const segmentSchema = z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, "lower-case letters, digits, dashes and underscores");
const templateKey = z.string().regex(/^[a-z0-9][a-z0-9-]*(\/[a-z0-9][a-z0-9-]*)*$/, "lower-case letters, digits, dashes and /");
const currency = z.string().refine(isCurrency, { message: "must be an ISO 4217 currency code such as EUR" });
const minor = z.number().int().nonnegative().refine(Number.isSafeInteger, "too large");
const language = z.string().regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, "a BCP 47 language tag such as fr or en-GB");
const country = z.string().regex(/^[A-Z]{2}$/, "an ISO 3166-1 alpha-2 country code such as FR");
const localTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, "a local time HH:MM");
const perCurrency = z.record(currency, minor);

export const amountBandSchema = z
  .object({ currency, minMinor: minor.optional(), maxMinor: minor.optional() })
  .strict()
  .refine((band) => band.minMinor === undefined || band.maxMinor === undefined || band.minMinor <= band.maxMinor, {
    message: "minMinor must not exceed maxMinor",
    path: ["maxMinor"],
  });

export const conditionsSchema = z
  .object({
    amountBands: z.array(amountBandSchema).min(1).optional(),
    segmentsAny: z.array(segmentSchema).min(1).optional(),
    segmentsNone: z.array(segmentSchema).min(1).optional(),
    customerKinds: z.array(z.enum(CUSTOMER_KINDS)).min(1).optional(),
    jurisdictions: z.array(country).min(1).optional(),
  })
  .strict();

/** Actions that send the debtor a message and so need a template. */
const SENDS_MESSAGE: ReadonlySet<StepAction> = new Set(["email", "letter", "registered_letter", "formal_notice"]);

export const policyStepSchema = z
  .object({
    id: slug,
    offsetDays: z.number().int().min(-365).max(3650),
    action: z.enum(STEP_ACTIONS),
    template: templateKey.optional(),
    repeat: z
      .object({ everyDays: z.number().int().min(1).max(365), times: z.number().int().min(1).max(52) })
      .strict()
      .optional(),
    when: conditionsSchema.optional(),
  })
  .strict()
  .superRefine((step, ctx) => {
    if (SENDS_MESSAGE.has(step.action) && step.template === undefined) {
      ctx.addIssue({ code: "custom", path: ["template"], message: `a ${step.action} step needs a template` });
    }
  });

const guardsSchema = z
  .object({
    businessDaysOnly: z.boolean().default(true),
    quietHours: z.object({ start: localTime, end: localTime }).strict().optional(),
    minGapDays: z.number().int().min(0).max(60).default(3),
    minGapDaysPerChannel: z.partialRecord(z.enum(CONTACT_CHANNELS), z.number().int().min(0).max(90)).optional(),
    maxContactsPer30Days: z.number().int().min(1).max(30).default(6),
  })
  .strict();

const disputesSchema = z
  .object({
    chaseUndisputed: z.boolean().default(true),
    mediationSlaDays: z.number().int().min(1).max(180).default(14),
    mediatorReminderEveryDays: z.number().int().min(1).max(60).default(3),
  })
  .strict();

const promisesSchema = z
  .object({
    graceDays: z.number().int().min(0).max(30).default(2),
    maxDaysAhead: z.number().int().min(1).max(365).default(60),
  })
  .strict();

const paymentPlansSchema = z
  .object({
    maxInstalments: z.number().int().min(1).max(60).default(6),
    minInstalmentMinor: perCurrency.default({}),
    graceDays: z.number().int().min(0).max(30).default(3),
    reminderDaysBefore: z.number().int().min(0).max(30).default(3),
    reminderTemplate: templateKey.default("instalment-reminder"),
  })
  .strict();

const lateChargesSchema = z
  .object({
    recoveryIndemnityMinor: perCurrency.optional(),
    interestRateBasisPoints: z.number().int().min(0).max(10_000).optional(),
  })
  .strict();

export const collectionPolicySchema = z
  .object({
    key: slug,
    version: z.number().int().positive().default(1),
    name: z.string().min(1).max(200),
    description: z.string().max(2000).optional(),
    languages: z.array(language).min(1).default(["en"]),
    variantOf: slug.optional(),
    appliesTo: conditionsSchema.optional(),
    guards: guardsSchema.default({ businessDaysOnly: true, minGapDays: 3, maxContactsPer30Days: 6 }),
    disputes: disputesSchema.default({ chaseUndisputed: true, mediationSlaDays: 14, mediatorReminderEveryDays: 3 }),
    promises: promisesSchema.default({ graceDays: 2, maxDaysAhead: 60 }),
    paymentPlans: paymentPlansSchema.default({
      maxInstalments: 6,
      minInstalmentMinor: {},
      graceDays: 3,
      reminderDaysBefore: 3,
      reminderTemplate: "instalment-reminder",
    }),
    lateCharges: lateChargesSchema.optional(),
    notices: z
      .object({ disputeOutcome: templateKey, brokenPromise: templateKey })
      .strict()
      .default({ disputeOutcome: "dispute-outcome", brokenPromise: "broken-promise" }),
    steps: z.array(policyStepSchema).min(1).max(50),
  })
  .strict()
  .superRefine((policy, ctx) => {
    if ((policy.variantOf === undefined) !== (policy.appliesTo === undefined)) {
      ctx.addIssue({
        code: "custom",
        path: [policy.variantOf === undefined ? "variantOf" : "appliesTo"],
        message: "a variant names both the policy it replaces (variantOf) and whom it applies to (appliesTo)",
      });
    }
    if (policy.variantOf === policy.key) {
      ctx.addIssue({ code: "custom", path: ["variantOf"], message: "a policy cannot be a variant of itself" });
    }
    const seen = new Set<string>();
    policy.steps.forEach((step, index) => {
      if (seen.has(step.id)) {
        ctx.addIssue({ code: "custom", path: ["steps", index, "id"], message: `duplicate step id "${step.id}"` });
      }
      seen.add(step.id);
      const previous = policy.steps[index - 1];
      if (previous && step.offsetDays < previous.offsetDays) {
        ctx.addIssue({
          code: "custom",
          path: ["steps", index, "offsetDays"],
          message: `must not be earlier than the previous step (${previous.offsetDays})`,
        });
      }
      if (step.repeat && index !== policy.steps.length - 1) {
        ctx.addIssue({ code: "custom", path: ["steps", index, "repeat"], message: "only the last step can repeat" });
      }
    });
  }) satisfies z.ZodType<CollectionPolicy, unknown>;

export const debtorOverridesSchema = z
  .object({
    preferredChannel: z.enum(CONTACT_CHANNELS).optional(),
    language: language.optional(),
    optOuts: z.array(z.enum(CONTACT_CHANNELS)).optional(),
    doNotChaseBefore: z.string().refine(isCalendarDate, "a calendar date YYYY-MM-DD").optional(),
    excludedInvoiceIds: z.array(z.string().min(1)).max(10_000).optional(),
  })
  .strict() satisfies z.ZodType<DebtorOverrides, unknown>;

export type CollectionPolicyInput = z.input<typeof collectionPolicySchema>;

/** "steps[3].offsetDays" for a zod issue path. */
export function formatIssuePath(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (text, part) => (typeof part === "number" ? `${text}[${part}]` : text ? `${text}.${String(part)}` : String(part)),
    "",
  );
}
