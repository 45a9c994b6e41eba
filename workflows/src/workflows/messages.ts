/** Signals, queries and updates of the debtor workflow, declared once and shared with clients. */

import type { CaseSnapshot, LadderPolicy } from "@relance/core/workflow";
import { defineQuery, defineSignal, defineUpdate } from "@temporalio/workflow";

export type CaseStage = "waiting" | "paused" | "ladder_complete" | "closed";

export interface CaseView {
  readonly stage: CaseStage;
  readonly policy: { readonly key: string; readonly version: number };
  /** Index of the last step done, -1 before the first. */
  readonly level: number;
  readonly lastStepId: string | null;
  readonly nextStep: { readonly stepId: string; readonly at: string } | null;
  readonly paused: boolean;
  readonly snapshot: CaseSnapshot;
}

export interface DebtorCollectionInput {
  readonly tenantId: string;
  readonly debtorId: string;
  readonly policy: LadderPolicy;
  readonly snapshot: CaseSnapshot;
  /** Length of a policy day in milliseconds (86,400,000 in production; seconds for demos and tests). */
  readonly dayMs: number;
  /** Carried over continue-as-new; absent on a case's first run. */
  readonly carried?: {
    readonly caseKey: string;
    readonly level: number;
    readonly lastStepId: string | null;
    readonly paused: boolean;
    readonly originDate: string;
    readonly originEpochMs: number;
  };
}

export const ledgerChangedSignal = defineSignal<[CaseSnapshot]>("ledgerChanged");
export const caseQuery = defineQuery<CaseView>("case");
export const pauseUpdate = defineUpdate<CaseView, [{ reason?: string }]>("pause");
export const resumeUpdate = defineUpdate<CaseView, []>("resume");
