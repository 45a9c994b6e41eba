/**
 * How a case's state changes: one pure function per event, so the workflow stays a thin loop and the
 * rules (who resets the ladder, what a broken promise costs) can be tested without Temporal.
 */
import type { CaseContact, CaseInvoice, CaseState, Mediator, OpenDispute, PaymentPlan, PromiseToPay } from "./case-state";
import type { PassedOver } from "./planner";
import type { CollectionPolicy, DebtorOverrides } from "./policy";

export type CaseEvent =
  | { readonly type: "ledger_changed"; readonly invoices: readonly CaseInvoice[] }
  | {
      readonly type: "step_done";
      readonly stepIndex: number;
      readonly repeat: number;
      readonly at: number;
      readonly passedOver: readonly PassedOver[];
      /** The contact made, if the step reached the debtor. */
      readonly contact: CaseContact | null;
      /** The step handed the case to a person (wait_for_human, a refused agency hand-off). */
      readonly awaitingHuman: boolean;
    }
  | { readonly type: "contact_made"; readonly contact: CaseContact }
  /** Outside the debtor's send window: nothing goes out before `until`. */
  | { readonly type: "deferred"; readonly until: number }
  | { readonly type: "paused" }
  | { readonly type: "resumed"; readonly at: number }
  | { readonly type: "human_done"; readonly at: number }
  | { readonly type: "overrides_changed"; readonly overrides: DebtorOverrides }
  | { readonly type: "segments_changed"; readonly segments: readonly string[] }
  | {
      readonly type: "dispute_opened";
      readonly dispute: Omit<OpenDispute, "levelAtOpening" | "mediator" | "slaAt" | "mediatorRemindersSent">;
    }
  | {
      readonly type: "mediator_assigned";
      readonly disputeId: string;
      readonly mediator: Mediator;
      readonly at: number;
      /** Length of a policy day: the SLA is counted in policy days. */
      readonly dayMs: number;
    }
  | { readonly type: "mediator_reminded"; readonly disputeId: string }
  /** The SLA ran out: a person takes the dispute over; it stays open and out of the chase. */
  | { readonly type: "mediation_overdue"; readonly disputeId: string }
  | {
      readonly type: "dispute_resolved";
      readonly disputeId: string;
      readonly outcome: "upheld" | "rejected" | "partly_upheld" | "escalated" | "withdrawn";
      /** The part found right (the whole amount when upheld). */
      readonly upheldMinor: number;
      readonly at: number;
    }
  | { readonly type: "promise_made"; readonly promise: PromiseToPay }
  | { readonly type: "promise_kept"; readonly at: number }
  | { readonly type: "promise_broken"; readonly at: number }
  | { readonly type: "plan_agreed"; readonly plan: PaymentPlan }
  | { readonly type: "instalment_reminded"; readonly instalment: number }
  | { readonly type: "plan_completed" }
  | { readonly type: "plan_broken"; readonly at: number };

export function applyEvent(state: CaseState, event: CaseEvent, policy: CollectionPolicy): CaseState {
  switch (event.type) {
    case "ledger_changed": {
      const balances = new Map(event.invoices.map((invoice) => [invoice.id, invoice.balanceMinor]));
      // A dispute on an invoice no longer open (paid, credited, voided) has nothing left to hold back, nor has
      // an upheld one once the ledger shows its credit.
      const disputes = state.disputes.filter((dispute) => {
        const balance = balances.get(dispute.invoiceId);
        if (balance === undefined || balance <= 0) return false;
        return dispute.creditedWhenBalanceAtMost === undefined || balance > dispute.creditedWhenBalanceAtMost;
      });
      return { ...state, invoices: event.invoices, disputes };
    }
    case "step_done": {
      const last = policy.steps.length - 1;
      const repeating = event.repeat > 0 && event.stepIndex === last;
      return {
        ...state,
        level: Math.max(state.level, event.stepIndex),
        repeatsDone: repeating ? event.repeat : state.repeatsDone,
        lastStepAt: event.at,
        resumeNotBefore: null,
        contacts: event.contact ? trimContacts([...state.contacts, event.contact], policy) : state.contacts,
        awaitingHuman: state.awaitingHuman || event.awaitingHuman,
      };
    }
    case "contact_made":
      return { ...state, contacts: trimContacts([...state.contacts, event.contact], policy) };
    case "deferred":
      return { ...state, resumeNotBefore: Math.max(state.resumeNotBefore ?? 0, event.until) };
    case "paused":
      return { ...state, paused: true };
    case "resumed":
      return { ...state, paused: false, resumeNotBefore: event.at };
    case "human_done":
      return { ...state, awaitingHuman: false, resumeNotBefore: event.at };
    case "overrides_changed":
      return { ...state, overrides: event.overrides };
    case "segments_changed":
      return { ...state, debtor: { ...state.debtor, segments: event.segments } };
    case "dispute_opened":
      return {
        ...state,
        disputes: [
          ...state.disputes.filter((dispute) => dispute.id !== event.dispute.id),
          { ...event.dispute, mediator: null, slaAt: null, mediatorRemindersSent: 0, levelAtOpening: state.level },
        ],
      };
    case "mediator_assigned":
      return {
        ...state,
        disputes: state.disputes.map((dispute) =>
          dispute.id === event.disputeId
            ? {
                ...dispute,
                mediator: event.mediator,
                slaAt: event.at + policy.disputes.mediationSlaDays * event.dayMs,
                mediatorRemindersSent: 0,
              }
            : dispute,
        ),
      };
    case "mediator_reminded":
      return {
        ...state,
        disputes: state.disputes.map((dispute) =>
          dispute.id === event.disputeId ? { ...dispute, mediatorRemindersSent: dispute.mediatorRemindersSent + 1 } : dispute,
        ),
      };
    case "mediation_overdue":
      return {
        ...state,
        disputes: state.disputes.map((dispute) => (dispute.id === event.disputeId ? { ...dispute, slaAt: null } : dispute)),
      };
    case "dispute_resolved": {
      const resolved = state.disputes.find((dispute) => dispute.id === event.disputeId);
      const others = state.disputes.filter((dispute) => dispute.id !== event.disputeId);
      if (!resolved) return state;
      // Escalated: a person takes the matter over; nothing automatic happens until they close their task.
      if (event.outcome === "escalated") return { ...state, disputes: others, awaitingHuman: true };
      const invoice = state.invoices.find((candidate) => candidate.id === resolved.invoiceId);
      const upheld = Math.min(event.upheldMinor, resolved.amountMinor);
      const hold: OpenDispute[] =
        upheld > 0 && invoice
          ? [
              {
                ...resolved,
                amountMinor: upheld,
                mediator: null,
                slaAt: null,
                creditedWhenBalanceAtMost: invoice.balanceMinor - upheld,
              },
            ]
          : [];
      // Chasing resumes where it stood: the level never went back, and nothing is sent before now.
      return { ...state, disputes: [...others, ...hold], resumeNotBefore: event.at };
    }
    case "promise_made":
      return { ...state, promise: event.promise };
    case "promise_kept":
      return { ...state, promise: null, resumeNotBefore: event.at };
    case "promise_broken":
      // A broken promise costs the debtor one rung: the step that would have come next is passed over.
      return {
        ...state,
        promise: null,
        level: Math.min(state.level + 1, policy.steps.length - 1),
        resumeNotBefore: event.at,
      };
    case "plan_agreed":
      return { ...state, plan: event.plan, promise: null };
    case "instalment_reminded":
      return state.plan
        ? { ...state, plan: { ...state.plan, remindersSent: Math.max(state.plan.remindersSent, event.instalment + 1) } }
        : state;
    case "plan_completed":
      // A plan kept to the end starts the ladder afresh for anything still or newly owed.
      return { ...state, plan: null, level: -1, repeatsDone: 0, lastStepAt: null };
    case "plan_broken":
      return { ...state, plan: null, resumeNotBefore: event.at };
  }
}

/** Keeps what the guards can still need: the last `cap` contacts and the last one of each channel. */
function trimContacts(contacts: readonly CaseContact[], policy: CollectionPolicy): CaseContact[] {
  const keep = Math.max(policy.guards.maxContactsPer30Days, 1);
  const recent = contacts.slice(-keep);
  const lastOfChannel = new Map<string, CaseContact>();
  for (const contact of contacts) lastOfChannel.set(contact.channel, contact);
  const kept = new Set([...recent, ...lastOfChannel.values()]);
  return contacts.filter((contact) => kept.has(contact));
}
