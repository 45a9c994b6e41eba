/** Activity signatures, imported as types only by workflow code. */
import type {
  CaseInvoice,
  ContactChannel,
  DisputeReason,
  Instalment,
  LateChargeRules,
  Mediator,
  PolicyStep,
} from "@relance/core/workflow";
import type { LedgerActionInput, LedgerActionResult, SyncPageInput, SyncPageResult } from "./ports";

export interface PolicyRef {
  readonly key: string;
  readonly version: number;
}

/** Extra facts a notice's template states (a promise's date, an instalment, a dispute's outcome…). */
export interface NoticeContext {
  readonly promise?: { readonly date: string; readonly amountMinor: number; readonly currency: string };
  readonly instalment?: {
    readonly number: number;
    readonly count: number;
    readonly date: string;
    readonly amountMinor: number;
    readonly currency: string;
  };
  readonly dispute?: {
    readonly invoiceId: string;
    readonly outcome: string;
    readonly explanation: string;
    readonly slaDate?: string;
  };
  readonly mediator?: Mediator;
}

export interface ExecuteStepInput {
  readonly tenantId: string;
  readonly debtorId: string;
  /** `{workflowId}:{caseKey}:{stepId}[:r{n}]`: the same for every retry of this step of this case. */
  readonly idempotencyKey: string;
  readonly policy: PolicyRef;
  /** A ladder step, or a notice dressed as one (its id names the event it answers). */
  readonly step: PolicyStep;
  /** Ladder position, or null for a notice outside the ladder. */
  readonly stepIndex: number | null;
  readonly repeat: number;
  readonly passedOver: readonly { readonly stepId: string; readonly reason: string }[];
  /** How the chase is computed when the activity re-reads the ledger right before acting. */
  readonly chaseRules: {
    readonly chaseUndisputed: boolean;
    readonly excludedInvoiceIds: readonly string[];
    /** Open disputed amounts the case holds back, per invoice id (the store's own record is read too). */
    readonly disputedMinor: Readonly<Record<string, number>>;
  };
  /** Quiet hours and business days, applied in the debtor's time zone; null when days are compressed. */
  readonly sendWindow: {
    readonly businessDaysOnly: boolean;
    readonly quietHours?: { readonly start: string; readonly end: string };
  } | null;
  readonly preferredChannel?: ContactChannel;
  /** The debtor's language override, before the ledger's language and the tenant's default. */
  readonly language?: string;
  readonly lateCharges?: LateChargeRules;
  readonly notice?: NoticeContext;
  /** The policy calendar's today (days may be compressed in demos and tests). */
  readonly today: string;
  /** Set when this step ends the ladder: the activity also hands the case to a person (a review task). */
  readonly ladderCompleteKey?: string;
  /** Who the message is for: the debtor, or the mediator of a dispute (notice.mediator). */
  readonly audience: "debtor" | "mediator";
}

export type StepOutcome =
  /** The provider accepted the message (now or on an earlier attempt). */
  | "sent"
  /** Nothing left to chase right before acting (paid, credited, disputed): nothing done. */
  | "not_sent_nothing_owed"
  /** An earlier attempt may have reached a provider that cannot be asked: parked for a human. */
  | "in_doubt"
  /** The provider refused the message for good (bad address, rejected content). */
  | "failed"
  /** Outside the debtor's send window: try again at `deferredUntil`. */
  | "deferred"
  /** A task for a person was created (phone call, review). */
  | "task_created"
  /** A write-back to the ledger was requested (late fee). */
  | "ledger_action_requested"
  /** The claim was placed with the agency. */
  | "claim_placed"
  /** The agency hand-off was refused (an invoice is disputed): a task for a human instead. */
  | "refused";

export interface ExecuteStepResult {
  readonly outcome: StepOutcome;
  readonly messageId: string | null;
  /** The debtor's open invoices as read right before acting, and when that read started. */
  readonly invoices: readonly CaseInvoice[];
  readonly readAt: number;
  readonly contact: ContactChannel | null;
  readonly awaitingHuman: boolean;
  readonly deferredUntil?: number;
  /** The end of the ladder was handed to a person along with this step. */
  readonly ladderCompleteNoted?: boolean;
}

/** Everything a case records besides its steps: each row is written once, by its id. */
export type CaseRecord =
  | {
      readonly type: "dispute_opened";
      readonly disputeId: string;
      readonly invoiceId: string;
      readonly amountMinor: number;
      readonly currency: string;
      readonly reason: DisputeReason;
      readonly comment?: string;
      readonly openedBy: string;
    }
  | {
      readonly type: "mediator_assigned";
      readonly disputeId: string;
      readonly mediator: Mediator;
      readonly slaAt: number;
    }
  | {
      readonly type: "dispute_resolved";
      readonly disputeId: string;
      readonly outcome: "upheld" | "rejected" | "partly_upheld" | "escalated" | "withdrawn";
      readonly upheldMinor: number;
      readonly explanation: string;
      readonly resolvedBy: string;
      /** Key of the credit-note request, when some of the dispute was upheld. */
      readonly creditNoteKey?: string;
    }
  | {
      readonly type: "mediation_overdue";
      readonly disputeId: string;
      readonly taskKey: string;
    }
  | {
      readonly type: "promise_made";
      readonly promiseId: string;
      readonly promisedDate: string;
      readonly amountMinor: number;
      readonly currency: string;
      readonly invoiceIds: readonly string[];
      readonly baseline: Readonly<Record<string, number>>;
      readonly source: string;
    }
  | { readonly type: "promise_settled"; readonly promiseId: string; readonly status: "kept" | "broken" | "cancelled" }
  | {
      readonly type: "plan_agreed";
      readonly planId: string;
      readonly currency: string;
      readonly instalments: readonly Instalment[];
      readonly invoiceIds: readonly string[];
      readonly rules: {
        readonly maxInstalments: number;
        readonly minInstalmentMinor: Readonly<Record<string, number>>;
        /** The policy calendar's today: instalments may not start before it. */
        readonly today: string;
      };
    }
  | {
      readonly type: "plan_ended";
      readonly planId: string;
      readonly status: "completed" | "broken" | "cancelled";
      readonly instalment?: number;
    }
  | { readonly type: "task_outcome"; readonly taskId: string; readonly outcome: string; readonly note?: string }
  /** The ladder has nothing left to do while something is still owed: a person decides what comes next. */
  | {
      readonly type: "ladder_complete";
      readonly taskKey: string;
      readonly lastStepId: string | null;
      /** Given when the step that ended the ladder had just read the debtor (saves reading it again). */
      readonly debtorName?: string;
    }
  /** A late-fee invoice the ledger should raise (one fee per overdue invoice), requested once by its key. */
  | {
      readonly type: "late_fee_requested";
      readonly idempotencyKey: string;
      readonly stepId: string;
      readonly fees: readonly {
        readonly invoiceId: string;
        readonly number: string;
        readonly currency: string;
        readonly amountMinor: number;
      }[];
      readonly summary: string;
    }
  /** A segment the case learned (repeat_late), kept on the debtor for the cases that follow. */
  | { readonly type: "segment_added"; readonly segment: string }
  | { readonly type: "note"; readonly status: string; readonly summary: string; readonly detail?: Record<string, unknown> };

export interface RecordCaseInput {
  readonly tenantId: string;
  readonly debtorId: string;
  readonly record: CaseRecord;
}

export interface CloseCaseInput {
  readonly tenantId: string;
  readonly debtorId: string;
  readonly reason: "balance_zero";
  readonly lastStepId: string | null;
}

export interface SignalChangedDebtorsInput {
  readonly tenantId: string;
  readonly importId: string;
  readonly offset: number;
  readonly limit: number;
}

export interface SignalDebtorsInput {
  readonly tenantId: string;
  readonly debtorIds: readonly string[];
}

export interface CollectionActivities {
  executeStep(input: ExecuteStepInput): Promise<ExecuteStepResult>;
  recordCase(input: RecordCaseInput): Promise<void>;
  closeCase(input: CloseCaseInput): Promise<void>;
  signalChangedDebtors(input: SignalChangedDebtorsInput): Promise<{ signalled: number; nextOffset: number | null }>;
  /** Signal-with-start the cases of these debtors with their open invoices, read now. */
  signalDebtors(input: SignalDebtorsInput): Promise<{ signalled: number }>;
  syncLedgerPage(input: SyncPageInput): Promise<SyncPageResult>;
  applyLedgerAction(input: LedgerActionInput): Promise<LedgerActionResult>;
  ledgerActionFailed(input: LedgerActionInput & { readonly error: string }): Promise<void>;
}
