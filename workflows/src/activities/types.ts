/** Activity signatures, imported as types only by workflow code. */
import type { CaseSnapshot, LadderStep } from "@relance/core/workflow";

export interface ExecuteStepInput {
  readonly tenantId: string;
  readonly debtorId: string;
  /** `{workflowId}:{caseKey}:{stepId}`: the same for every retry of this step of this case. */
  readonly idempotencyKey: string;
  readonly policy: { readonly key: string; readonly version: number };
  readonly step: LadderStep;
  readonly skippedStepIds: readonly string[];
}

export type StepOutcome =
  /** The provider accepted the message (now or on an earlier attempt). */
  | "sent"
  /** Balance found at zero right before sending: nothing sent. */
  | "not_sent_zero_balance"
  /** An earlier attempt may have reached a provider that cannot be asked: parked for a human. */
  | "in_doubt"
  /** The provider refused the message for good (bad address, rejected content). */
  | "failed";

export interface ExecuteStepResult {
  readonly outcome: StepOutcome;
  readonly messageId: string | null;
  readonly snapshot: CaseSnapshot;
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

export interface CollectionActivities {
  executeStep(input: ExecuteStepInput): Promise<ExecuteStepResult>;
  closeCase(input: CloseCaseInput): Promise<void>;
  signalChangedDebtors(input: SignalChangedDebtorsInput): Promise<{ signalled: number; nextOffset: number | null }>;
}
