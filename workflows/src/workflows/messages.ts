/** Signals, queries and updates of the debtor workflow, declared once and shared with clients. */

import type {
  CaseInvoice,
  CaseState,
  CollectionPolicy,
  ContactChannel,
  DebtorOverrides,
  DisputeReason,
  IdleReason,
  Instalment,
  Mediator,
  TimeScale,
} from "@relance/core/workflow";
import { defineQuery, defineSignal, defineUpdate } from "@temporalio/workflow";
import type { NoticeContext } from "../activities/types";

export type CaseStage =
  | "chasing"
  | "paused"
  | "disputed"
  | "promise"
  | "payment_plan"
  | "awaiting_human"
  | "ladder_complete"
  | "closed";

export interface NextAction {
  readonly kind: string;
  /** The step id for ladder steps. */
  readonly stepId: string | null;
  readonly action: string | null;
  readonly at: string;
}

export interface CaseView {
  readonly stage: CaseStage;
  readonly idleReason: IdleReason | null;
  readonly policy: { readonly key: string; readonly version: number };
  /** Index of the last step done, -1 before the first. */
  readonly level: number;
  readonly lastStepId: string | null;
  readonly nextAction: NextAction | null;
  readonly paused: boolean;
  readonly state: CaseState;
  /**
   * The policy calendar's today as of the case's last workflow task. A query does not move workflow time:
   * readers compute today from `clock` and their own clock (`todayOf(clock, Date.now())`).
   */
  readonly today: string;
  /** How the case maps policy days to instants (a real day, or compressed days for demos and tests). */
  readonly clock: TimeScale;
  readonly promises: { readonly kept: number; readonly broken: number };
}

export interface CaseCounters {
  readonly promisesKept: number;
  readonly promisesBroken: number;
  readonly plansBroken: number;
}

export interface DebtorCollectionInput {
  readonly tenantId: string;
  readonly debtorId: string;
  readonly policy: CollectionPolicy;
  readonly state: CaseState;
  /** Length of a policy day in milliseconds (86,400,000 in production; seconds for demos and tests). */
  readonly dayMs: number;
  /** Continue-as-new once the history holds this many events (or earlier, when the server suggests it). */
  readonly historyLimit?: number;
  /** Carried over continue-as-new; absent on a case's first run. */
  readonly carried?: {
    readonly caseKey: string;
    readonly originDate: string;
    readonly originEpochMs: number;
    readonly counters: CaseCounters;
    readonly lastStepId: string | null;
    /** The level at which the end of the ladder was handed to a person (once per level). */
    readonly ladderEndNotedAt?: number | null;
    /** When the ledger view the case holds was read (older reads are ignored). */
    readonly ledgerReadAt?: number;
    /** Notices owed but not yet sent (a dispute's outcome, a broken promise). */
    readonly pendingNotices?: readonly PendingNotice[];
  };
}

/** A notice the case owes the debtor (or a mediator) outside the ladder, sent in order by the main loop. */
export interface PendingNotice {
  readonly id: string;
  readonly template: string;
  readonly context: NoticeContext;
  readonly audience: "debtor" | "mediator";
}

export interface OpenDisputeRequest {
  readonly invoiceId: string;
  /** The disputed part; the invoice's whole open balance when absent. */
  readonly amountMinor?: number;
  readonly reason: DisputeReason;
  readonly comment?: string;
  readonly openedBy: string;
}

export interface AssignMediatorRequest {
  readonly disputeId: string;
  readonly mediator: Mediator;
}

export interface ResolveDisputeRequest {
  readonly disputeId: string;
  readonly outcome: "upheld" | "rejected" | "partly_upheld" | "escalated" | "withdrawn";
  /** For partly_upheld: the part found right (a credit note is requested for it). */
  readonly upheldMinor?: number;
  readonly explanation: string;
  readonly resolvedBy: string;
}

export interface PromiseRequest {
  readonly promisedDate: string;
  readonly amountMinor: number;
  readonly currency: string;
  readonly source: "api" | "phone" | "reply" | "debtor_page";
}

export interface PaymentPlanRequest {
  readonly currency: string;
  readonly instalments: readonly Instalment[];
}

export interface TaskOutcomeRequest {
  readonly taskId: string;
  /** What the task was for: only the end of a hand-over (review, refusal, mediation) lets the case go on. */
  readonly kind: "phone_call" | "review" | "mediation" | "write_back" | "agency_refused" | "reconnect_ledger";
  readonly outcome: "reached" | "promised" | "disputed" | "wrong_number" | "no_answer" | "done";
  readonly note?: string;
}

export interface MigratePolicyRequest {
  readonly policy: CollectionPolicy;
}

export interface DebtorProfileRequest {
  readonly segments?: readonly string[];
  readonly overrides?: DebtorOverrides;
}

/** What an update that creates something returns: its id and the case after it. */
export interface CreatedResult {
  readonly id: string;
  readonly view: CaseView;
}

/**
 * The debtor's open invoices as read from the store at `readAt` (epoch ms, taken before the read). Two
 * imports in quick succession may signal out of order: the case keeps the latest read.
 */
export interface LedgerUpdate {
  readonly invoices: readonly CaseInvoice[];
  readonly readAt: number;
}

export const ledgerChangedSignal = defineSignal<[LedgerUpdate]>("ledgerChanged");
export const caseQuery = defineQuery<CaseView>("case");
export const pauseUpdate = defineUpdate<CaseView, [{ reason?: string }]>("pause");
export const resumeUpdate = defineUpdate<CaseView, []>("resume");
export const openDisputeUpdate = defineUpdate<CreatedResult, [OpenDisputeRequest]>("openDispute");
export const assignMediatorUpdate = defineUpdate<CaseView, [AssignMediatorRequest]>("assignMediator");
export const resolveDisputeUpdate = defineUpdate<CaseView, [ResolveDisputeRequest]>("resolveDispute");
export const promiseUpdate = defineUpdate<CreatedResult, [PromiseRequest]>("promiseToPay");
export const paymentPlanUpdate = defineUpdate<CreatedResult, [PaymentPlanRequest]>("agreePaymentPlan");
export const taskOutcomeUpdate = defineUpdate<CaseView, [TaskOutcomeRequest]>("recordTaskOutcome");
export const migratePolicyUpdate = defineUpdate<CaseView, [MigratePolicyRequest]>("migratePolicy");
export const debtorProfileUpdate = defineUpdate<CaseView, [DebtorProfileRequest]>("updateDebtorProfile");

export type { ContactChannel };
