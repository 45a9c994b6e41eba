/**
 * An escalation policy as data. Types only: workflow code imports them (through
 * "@relance/core/workflow"); the zod schema that validates authored YAML/JSON lives in policy-schema.ts.
 */
import type { CalendarDate } from "../dates";

export const STEP_ACTIONS = [
  "email",
  "letter",
  "registered_letter",
  "phone_task",
  "late_fee",
  "formal_notice",
  "agency",
  "wait_for_human",
] as const;
export type StepAction = (typeof STEP_ACTIONS)[number];

/** Ways a case reaches the debtor; guards (gaps, caps, opt-outs) count contacts per channel. */
export const CONTACT_CHANNELS = ["email", "letter", "phone", "sms"] as const;
export type ContactChannel = (typeof CONTACT_CHANNELS)[number];

/** The channel an action contacts the debtor through; null for actions that contact nobody. */
export function contactChannelOf(action: StepAction): ContactChannel | null {
  switch (action) {
    case "email":
      return "email";
    case "letter":
    case "registered_letter":
    case "formal_notice":
      return "letter";
    case "phone_task":
      return "phone";
    case "late_fee":
    case "agency":
    case "wait_for_human":
      return null;
  }
}

export const CUSTOMER_KINDS = ["b2b", "b2c"] as const;
export type CustomerKind = (typeof CUSTOMER_KINDS)[number];

/** Inclusive band of a debtor's open (chaseable) balance in one currency. */
export interface AmountBand {
  readonly currency: string;
  readonly minMinor?: number;
  readonly maxMinor?: number;
}

/**
 * When a step (or a variant policy) applies. Every listed criterion must hold; an absent one holds.
 * `amountBands` holds when the balance in at least one band's currency lies inside that band.
 */
export interface Conditions {
  readonly amountBands?: readonly AmountBand[];
  /** At least one of these segment tags ("vip", "new", "repeat_late"…). */
  readonly segmentsAny?: readonly string[];
  /** None of these segment tags. */
  readonly segmentsNone?: readonly string[];
  readonly customerKinds?: readonly CustomerKind[];
  /** ISO 3166-1 alpha-2 countries of the debtor. */
  readonly jurisdictions?: readonly string[];
}

export interface StepRepeat {
  /** Days between two repetitions of the final step. */
  readonly everyDays: number;
  /** How many repetitions after the first send. */
  readonly times: number;
}

export interface PolicyStep {
  /** Stable id, unique in the policy: part of the step's idempotency key. */
  readonly id: string;
  /** Days from the due date of the debtor's oldest unpaid (chaseable) invoice; negative = before due. */
  readonly offsetDays: number;
  readonly action: StepAction;
  /**
   * Template key, resolved per language (`config/templates/<language>/<template>.yaml`); every language
   * of the policy must have it. Actions that send nothing (late_fee, agency, wait_for_human) may omit it.
   */
  readonly template?: string;
  /** Only on the last step: repeat it every N days, up to M more times. */
  readonly repeat?: StepRepeat;
  /** The step is passed over (not an error) for a debtor these do not match. */
  readonly when?: Conditions;
}

/** Local time of day "HH:MM" (24 h). */
export type LocalTime = string;

export interface PolicyGuards {
  /** Contacts only Monday to Friday (in the debtor's time zone). */
  readonly businessDaysOnly: boolean;
  /** No contact between start and end, local to the debtor (wraps midnight when start > end). */
  readonly quietHours?: { readonly start: LocalTime; readonly end: LocalTime };
  /** Minimum days between two contacts through any channel. */
  readonly minGapDays: number;
  /** Minimum days between two contacts through the same channel (overrides minGapDays upward only). */
  readonly minGapDaysPerChannel?: Partial<Readonly<Record<ContactChannel, number>>>;
  /** At most this many contacts in any rolling 30 days. */
  readonly maxContactsPer30Days: number;
}

export interface DisputeRules {
  /** Keep chasing the undisputed rest of the balance while a dispute is open. */
  readonly chaseUndisputed: boolean;
  /** Days the mediator has to reach an outcome. */
  readonly mediationSlaDays: number;
  /** Days between two reminders to the mediator while the SLA runs. */
  readonly mediatorReminderEveryDays: number;
}

export interface PromiseRules {
  /** Days after the promised date before the promise counts as broken. */
  readonly graceDays: number;
  /** Longest a promise may reach into the future, in days. */
  readonly maxDaysAhead: number;
}

export interface PaymentPlanRules {
  readonly maxInstalments: number;
  /** Smallest instalment, per currency (minor units). A currency not listed has no minimum. */
  readonly minInstalmentMinor: Readonly<Record<string, number>>;
  /** Days after an instalment's date before it counts as missed. */
  readonly graceDays: number;
  /** Days before each instalment's date that its reminder goes out (0 = none). */
  readonly reminderDaysBefore: number;
  /** Template of the instalment reminder. */
  readonly reminderTemplate: string;
}

/** What a formal notice or a late-fee step states: statutory amounts, never computed in templates. */
export interface LateChargeRules {
  /** Fixed recovery indemnity per invoice, per currency (France: €40 per invoice, B2B). */
  readonly recoveryIndemnityMinor?: Readonly<Record<string, number>>;
  /** Annual late-payment interest rate in basis points (e.g. 1215 = 12.15 %). */
  readonly interestRateBasisPoints?: number;
}

export interface CollectionPolicy {
  readonly key: string;
  readonly version: number;
  readonly name: string;
  readonly description?: string;
  /** Languages the policy's templates exist in; the first is the fallback. */
  readonly languages: readonly string[];
  /**
   * A variant replaces the policy `variantOf` for debtors its `appliesTo` matches (a gentler ladder for
   * `vip` or `new` customers).
   */
  readonly variantOf?: string;
  readonly appliesTo?: Conditions;
  readonly guards: PolicyGuards;
  readonly disputes: DisputeRules;
  readonly promises: PromiseRules;
  readonly paymentPlans: PaymentPlanRules;
  readonly lateCharges?: LateChargeRules;
  /** Templates of the notices the case sends outside the ladder. */
  readonly notices: {
    /** Tells the debtor a dispute was rejected (or partly upheld) and why. */
    readonly disputeOutcome: string;
    /** Tells the debtor a promise to pay was missed. */
    readonly brokenPromise: string;
  };
  readonly steps: readonly PolicyStep[];
}

/** Per-debtor settings a credit controller sets on a case. */
export interface DebtorOverrides {
  readonly preferredChannel?: ContactChannel;
  readonly language?: string;
  readonly optOuts?: readonly ContactChannel[];
  /** No contact before this date. */
  readonly doNotChaseBefore?: CalendarDate;
  /** Invoice ids left out of the chase. */
  readonly excludedInvoiceIds?: readonly string[];
}
