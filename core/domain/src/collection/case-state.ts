/**
 * What a debtor's case knows when it plans: the open invoices (with any disputed part), the debtor's
 * segments and overrides, how far the ladder went, recent contacts, and any promise, plan or dispute.
 * Plain data, no personal details beyond what planning needs; workflow-safe.
 */
import type { CalendarDate } from "../dates";
import type { ContactChannel, CustomerKind, DebtorOverrides } from "./policy";

export interface CaseInvoice {
  readonly id: string;
  readonly number: string;
  readonly currency: string;
  /** Still owed, minor units (> 0 for an open invoice). */
  readonly balanceMinor: number;
  readonly dueDate: CalendarDate;
}

export interface CaseContact {
  readonly channel: ContactChannel;
  /** Epoch milliseconds. */
  readonly at: number;
  readonly stepId: string;
}

export type DisputeReason =
  | "billing_error"
  | "not_as_agreed"
  | "already_paid"
  | "financial_hardship"
  | "wrong_recipient"
  | "other";

export type Mediator =
  | { readonly kind: "user"; readonly userId: string; readonly name: string }
  | { readonly kind: "external"; readonly name: string; readonly email: string };

export interface OpenDispute {
  readonly id: string;
  readonly invoiceId: string;
  /** The disputed part of the invoice, minor units. It leaves the chase while the dispute is open. */
  readonly amountMinor: number;
  readonly currency: string;
  readonly reason: DisputeReason;
  readonly openedAt: number;
  readonly mediator: Mediator | null;
  /** When mediation must end (set when a mediator is assigned). */
  readonly slaAt: number | null;
  readonly mediatorRemindersSent: number;
  /** Ladder level when the dispute opened: chasing resumes there. */
  readonly levelAtOpening: number;
  /**
   * Set once the dispute is upheld (in full or in part): the upheld amount stays out of the chase until
   * the ledger shows the credit, i.e. the invoice's balance falls to this value or below.
   */
  readonly creditedWhenBalanceAtMost?: number;
}

export interface PromiseToPay {
  readonly id: string;
  readonly promisedDate: CalendarDate;
  readonly amountMinor: number;
  readonly currency: string;
  /** Balance of each covered invoice when the promise was made: what has been paid since is the progress. */
  readonly baseline: Readonly<Record<string, number>>;
  readonly graceDays: number;
}

export interface Instalment {
  readonly dueDate: CalendarDate;
  readonly amountMinor: number;
}

export interface PaymentPlan {
  readonly id: string;
  readonly currency: string;
  readonly instalments: readonly Instalment[];
  readonly baseline: Readonly<Record<string, number>>;
  readonly graceDays: number;
  readonly reminderDaysBefore: number;
  /** Instalments whose reminder went out. */
  readonly remindersSent: number;
}

export interface CaseState {
  readonly invoices: readonly CaseInvoice[];
  readonly debtor: {
    readonly segments: readonly string[];
    readonly kind?: CustomerKind;
    /** ISO 3166-1 alpha-2. */
    readonly country?: string;
  };
  readonly overrides: DebtorOverrides;
  /** Index of the last ladder step done or passed over; -1 before the first. Only moves forward. */
  readonly level: number;
  /** Repetitions of the final step sent after its first send. */
  readonly repeatsDone: number;
  /** When the last ladder step was done (repeats are spaced from it). */
  readonly lastStepAt: number | null;
  /** Contacts of the last 30 days or more, oldest first. */
  readonly contacts: readonly CaseContact[];
  readonly paused: boolean;
  /** A step or an outcome handed the case to a person; nothing automatic happens until they act. */
  readonly awaitingHuman: boolean;
  /** Chasing goes on no earlier than this instant (after a promise kept, a plan or a dispute ends). */
  readonly resumeNotBefore: number | null;
  readonly disputes: readonly OpenDispute[];
  readonly promise: PromiseToPay | null;
  readonly plan: PaymentPlan | null;
}

export function initialCaseState(invoices: readonly CaseInvoice[], debtor: CaseState["debtor"]): CaseState {
  return {
    invoices,
    debtor,
    overrides: {},
    level: -1,
    repeatsDone: 0,
    lastStepAt: null,
    contacts: [],
    paused: false,
    awaitingHuman: false,
    resumeNotBefore: null,
    disputes: [],
    promise: null,
    plan: null,
  };
}
