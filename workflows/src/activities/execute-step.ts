/** One step of a case (or a notice outside the ladder), carried out exactly once. */
import {
  type ContactChannel,
  type EvidenceBundle,
  isRelanceError,
  type Money,
  money,
  type OutboundMessage,
  RelanceError,
  type StepAction,
  totalsByCurrency,
} from "@relance/core";
import { toCaseInvoice } from "./case-invoice";
import { type ComposeExtras, composeMessage } from "./compose-message";
import { toActivityFailure } from "./failures";
import type { ActivityDependencies, DebtorRecord, OpenInvoiceRecord, ResolvedChannel, TenantRecord } from "./ports";
import { nextWindowOpening } from "./send-window";
import type { ExecuteStepInput, ExecuteStepResult, StepOutcome } from "./types";

type MessagePayload = Omit<OutboundMessage, "id">;

/** Outcomes after which the step is still to be done: the ladder is not complete yet. */
const NOT_DONE: ReadonlySet<StepOutcome> = new Set(["deferred", "not_sent_nothing_owed"]);

const LETTER_ACTIONS: ReadonlySet<StepAction> = new Set(["letter", "registered_letter", "formal_notice"]);

const OUTCOME_WORDS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  en: { upheld: "upheld", rejected: "rejected", partly_upheld: "partly upheld", escalated: "escalated", withdrawn: "withdrawn" },
  fr: {
    upheld: "fondée",
    rejected: "rejetée",
    partly_upheld: "partiellement fondée",
    escalated: "transmise",
    withdrawn: "retirée",
  },
};

interface StepContext {
  readonly input: ExecuteStepInput;
  readonly tenant: TenantRecord;
  readonly debtor: DebtorRecord;
  /** The open invoices the step is about: undisputed, not excluded, with the chaseable amount. */
  readonly chased: readonly (OpenInvoiceRecord & { readonly chaseMinor: number })[];
  readonly all: readonly OpenInvoiceRecord[];
  readonly disputed: Readonly<Record<string, number>>;
  readonly result: (outcome: StepOutcome, extra?: Partial<ExecuteStepResult>) => ExecuteStepResult;
}

export function createStepRunner(deps: ActivityDependencies): (input: ExecuteStepInput) => Promise<ExecuteStepResult> {
  const { store, logger } = deps;
  const tenants = cachedTenants(store.getTenant.bind(store), () => deps.clock.now().getTime());

  return async function runStep(input) {
    const { tenantId, debtorId, step } = input;
    // Read right before acting: a payment, a credit note or a dispute may have landed a minute ago.
    const readAt = Date.now();
    const [stored, tenant] = await Promise.all([store.getStepContext(tenantId, debtorId), tenants.get(tenantId)]);
    if (!tenant || !stored) throw toActivityFailure(new RelanceError("not_found", `debtor ${debtorId} of tenant ${tenantId}`));
    const { debtor, invoices: all } = stored;
    // The case's own view of its disputes and the store's: whichever holds back more.
    const disputed: Record<string, number> = { ...input.chaseRules.disputedMinor };
    for (const invoice of all) {
      if (invoice.disputedMinor > 0) disputed[invoice.id] = Math.max(disputed[invoice.id] ?? 0, invoice.disputedMinor);
    }
    const chased = chaseNow(all, disputed, input);
    const invoices = all.map(toCaseInvoice);
    const result = (outcome: StepOutcome, extra: Partial<ExecuteStepResult> = {}): ExecuteStepResult => ({
      outcome,
      messageId: null,
      invoices,
      readAt,
      contact: null,
      awaitingHuman: false,
      ...extra,
    });

    for (const passed of input.passedOver) {
      await store.appendCommunication(tenantId, {
        debtorId,
        kind: "decision",
        status: "skipped",
        summary: `step ${passed.stepId} passed over: ${passedOverWhy(passed.reason)}`,
        detail: { stepId: passed.stepId, reason: passed.reason, policy: input.policy },
      });
    }

    const toDebtor = input.audience === "debtor";
    if (toDebtor && chased.length === 0) {
      await store.appendCommunication(tenantId, {
        debtorId,
        kind: "decision",
        status: "not_sent",
        summary: `${step.id} not done: nothing undisputed is owed any more`,
        detail: { stepId: step.id, policy: input.policy },
      });
      return result("not_sent_nothing_owed");
    }

    if (toDebtor && input.sendWindow && contacts(step.action)) {
      const now = deps.clock.now().getTime();
      const opening = nextWindowOpening(now, debtor.timeZone ?? "UTC", input.sendWindow);
      if (opening > now) return result("deferred", { deferredUntil: opening });
    }

    const context: StepContext = { input, tenant, debtor, chased, all, disputed, result };
    const done = await act(context);
    if (!input.ladderCompleteKey || NOT_DONE.has(done.outcome) || done.awaitingHuman) return done;
    // The last step of the ladder, with money still owed: a person decides what comes next.
    await store.recordCase(tenantId, debtorId, {
      type: "ladder_complete",
      taskKey: input.ladderCompleteKey,
      lastStepId: step.id,
      debtorName: debtor.name,
    });
    return { ...done, ladderCompleteNoted: true };
  };

  function act(context: StepContext): Promise<ExecuteStepResult> {
    switch (context.input.step.action) {
      case "phone_task":
        return phoneTask(context);
      case "wait_for_human":
        return humanReview(context);
      case "late_fee":
        return lateFee(context);
      case "agency":
        return agencyHandOff(context);
      default:
        return sendMessage(context);
    }
  }

  async function sendMessage(context: StepContext): Promise<ExecuteStepResult> {
    const { input, debtor, result } = context;
    const { tenantId, debtorId, step } = input;
    const wantsLetter = LETTER_ACTIONS.has(step.action) || (step.action === "email" && input.preferredChannel === "letter");
    const toMediator = input.audience === "mediator";
    const byLetter = wantsLetter && !toMediator && debtor.address !== null;
    if (!toMediator && !byLetter && debtor.emails.length === 0) {
      // Nowhere to write: a person finds another way (the ladder goes on; the next step may be a call or a letter).
      await openStepTask(context, {
        kind: "review",
        title: `No email address for ${debtor.name}: add one in the ledger or reach them another way (${step.id})`,
        detail: { reason: "no_email", action: step.action },
        summary: `not sent: ${debtor.name} has no email address${wantsLetter ? " nor postal address" : ""}; handed to a person`,
      });
      return result("task_created");
    }
    const resolved = await deps.channels(tenantId, byLetter ? "letter" : "email");
    const payload = buildPayload(context, byLetter);
    if (wantsLetter && !byLetter && !toMediator) {
      await store.appendCommunication(tenantId, {
        debtorId,
        kind: "decision",
        status: "fallback",
        summary: `${step.id}: no postal address for ${debtor.name}, sent by email instead of a letter`,
        detail: { stepId: step.id, action: step.action },
      });
    }
    const row = await store.claimOutbox(tenantId, {
      idempotencyKey: input.idempotencyKey,
      debtorId,
      stepId: step.id,
      channel: resolved.channel.channel,
      pluginId: resolved.pluginId,
      payload,
    });
    // The stored payload is what gets sent on every attempt, even if templates changed in between.
    const message: OutboundMessage = { ...(row.payload as MessagePayload), id: row.id };
    const options = { idempotencyKey: input.idempotencyKey };
    const contact: ContactChannel | null = toMediator ? null : byLetter ? "letter" : "email";
    const done = (outcome: StepOutcome): ExecuteStepResult =>
      result(outcome, { messageId: row.id, contact: outcome === "failed" ? null : contact });

    switch (row.status) {
      case "sent":
        return done("sent");
      case "in_doubt":
        return done("in_doubt");
      case "failed":
      case "cancelled":
        return done("failed");
      default:
        break;
    }

    if (!row.created && row.attempts > 0) {
      if (!resolved.channel.findSent) {
        const reason = `an earlier attempt may have reached ${resolved.pluginId}, which cannot be asked: not sent again`;
        await store.markOutboxInDoubt(tenantId, row.id, reason);
        await recordMessage(context, row.id, resolved, "in_doubt", `${step.id}: ${reason}`);
        return done("in_doubt");
      }
      const found = await resolved.channel.findSent(message, options).catch((error: unknown) => {
        throw toActivityFailure(error);
      });
      if (found) {
        logger.info(
          { messageId: row.id, step: step.id },
          "message found at the provider from an earlier attempt; not sent again",
        );
        await store.markOutboxSent(tenantId, row.id, found.externalId);
        await recordMessage(context, row.id, resolved, found.status, messageSummary(message, step.id));
        return done("sent");
      }
    }

    if (!row.created) await store.markOutboxSending(tenantId, row.id);
    try {
      const sent = await resolved.channel.send(message, options);
      await store.markOutboxSentAndRecord(tenantId, row.id, sent.externalId, {
        debtorId,
        connectionId: debtor.connectionId,
        channel: resolved.pluginId,
        status: sent.status,
        summary: messageSummary(message, step.id),
        detail: messageDetail(input),
      });
      return done("sent");
    } catch (error) {
      if (isRelanceError(error) && !error.retryable) {
        await store.markOutboxFailed(tenantId, row.id, error.message);
        await recordMessage(context, row.id, resolved, "failed", `${step.id}: ${error.message}`);
        return done("failed");
      }
      throw toActivityFailure(error);
    }
  }

  async function recordMessage(
    context: StepContext,
    messageId: string,
    resolved: ResolvedChannel,
    status: string,
    summary: string,
  ): Promise<void> {
    const { input } = context;
    await store.appendCommunication(input.tenantId, {
      debtorId: input.debtorId,
      messageId,
      kind: "message",
      channel: resolved.pluginId,
      status,
      summary,
      detail: messageDetail(input),
    });
  }

  function buildPayload(context: StepContext, byLetter: boolean): MessagePayload {
    const { input, tenant, debtor, chased } = context;
    const { step } = input;
    const mediator = input.notice?.mediator;
    const language = input.language ?? debtor.language ?? tenant.defaultLanguage;
    const templateKey = step.template;
    if (!templateKey) throw toActivityFailure(new RelanceError("misconfigured", `step ${step.id} has no template`));
    const template = templateFor(language, templateKey, tenant);
    if (!template) {
      throw toActivityFailure(new RelanceError("misconfigured", `no template "${templateKey}" for language ${language}`));
    }
    const content = composeMessage({
      template,
      language,
      today: input.today,
      debtorName: debtor.name,
      companyName: tenant.name,
      senderName: tenant.senderName,
      invoices: chased.map((invoice) => ({
        number: invoice.number,
        issueDate: invoice.issueDate,
        dueDate: invoice.dueDate,
        balance: money(invoice.chaseMinor, invoice.currency),
      })),
      extras: extrasOf(context, language),
    });
    let to: OutboundMessage["to"];
    if (input.audience === "mediator") {
      if (mediator?.kind !== "external") {
        throw toActivityFailure(new RelanceError("validation_failed", "a mediator reminder needs an external mediator's email"));
      }
      to = { name: mediator.name, email: mediator.email };
    } else if (byLetter && debtor.address) {
      to = { name: debtor.name, address: debtor.address };
    } else {
      const email = debtor.emails[0];
      if (!email) {
        throw toActivityFailure(new RelanceError("validation_failed", `debtor ${debtor.externalId} has no email address`));
      }
      to = { name: debtor.name, email };
    }
    const registered = step.action === "registered_letter" || step.action === "formal_notice";
    return {
      tenantId: tenant.id,
      to,
      from: { name: tenant.senderName, email: tenant.senderEmail },
      replyTo: tenant.senderEmail,
      subject: content.subject,
      text: content.text,
      html: content.html,
      language,
      metadata: {
        debtorId: debtor.id,
        stepId: step.id,
        action: step.action,
        policy: `${input.policy.key}@${input.policy.version}`,
        ...(byLetter && registered ? { registered: "true" } : {}),
      },
    };
  }

  function extrasOf(context: StepContext, language: string): ComposeExtras {
    const { input, chased, all } = context;
    const notice = input.notice;
    const lateCharges = input.lateCharges;
    const overdue = chased.filter((invoice) => invoice.dueDate < input.today);
    const indemnityPer = (currency: string) => lateCharges?.recoveryIndemnityMinor?.[currency];
    const indemnities = overdue.flatMap((invoice) => {
      const amount = indemnityPer(invoice.currency);
      return amount === undefined ? [] : [money(amount, invoice.currency)];
    });
    // One indemnity per overdue invoice; a statement in several currencies states the first currency's.
    const recoveryIndemnity: Money | undefined = totalsByCurrency(indemnities)[0];
    const words = OUTCOME_WORDS[language.split("-")[0] ?? "en"] ?? OUTCOME_WORDS.en;
    const disputedInvoice = notice?.dispute ? all.find((invoice) => invoice.id === notice.dispute?.invoiceId) : undefined;
    return {
      ...(lateCharges
        ? {
            legal: {
              ...(recoveryIndemnity ? { recoveryIndemnity } : {}),
              ...(lateCharges.interestRateBasisPoints === undefined
                ? {}
                : { interestRateBasisPoints: lateCharges.interestRateBasisPoints }),
            },
          }
        : {}),
      ...(notice?.promise
        ? { promise: { date: notice.promise.date, amount: money(notice.promise.amountMinor, notice.promise.currency) } }
        : {}),
      ...(notice?.instalment
        ? {
            instalment: {
              number: notice.instalment.number,
              count: notice.instalment.count,
              date: notice.instalment.date,
              amount: money(notice.instalment.amountMinor, notice.instalment.currency),
            },
          }
        : {}),
      ...(notice?.dispute
        ? {
            dispute: {
              invoiceNumber: disputedInvoice?.number ?? notice.dispute.invoiceId,
              outcome: words?.[notice.dispute.outcome] ?? notice.dispute.outcome,
              explanation: notice.dispute.explanation,
              ...(notice.dispute.slaDate ? { slaDate: notice.dispute.slaDate } : {}),
            },
          }
        : {}),
      ...(notice?.mediator ? { mediator: { name: notice.mediator.name } } : {}),
    };
  }

  /** A template in the debtor's language, its base language ("fr" for "fr-CA"), or the tenant's. */
  function templateFor(language: string, key: string, tenant: TenantRecord) {
    return (
      deps.templates(language, key) ??
      deps.templates(language.split("-")[0] ?? language, key) ??
      deps.templates(tenant.defaultLanguage, key)
    );
  }

  /** Opens the step's task for a person, once by the step's key, and notes it on the timeline the first time. */
  async function openStepTask(
    context: StepContext,
    task: { kind: "phone_call" | "review"; title: string; detail: Record<string, unknown>; summary: string },
  ): Promise<void> {
    const { input, chased } = context;
    const opened = await store.createTask(input.tenantId, {
      idempotencyKey: input.idempotencyKey,
      debtorId: input.debtorId,
      kind: task.kind,
      title: task.title,
      detail: {
        stepId: input.step.id,
        ...task.detail,
        invoices: chased.map((invoice) => ({
          number: invoice.number,
          currency: invoice.currency,
          amountMinor: invoice.chaseMinor,
        })),
      },
    });
    if (opened.created) {
      await store.appendCommunication(input.tenantId, {
        debtorId: input.debtorId,
        kind: "task",
        status: "open",
        summary: `${input.step.id}: ${task.summary}`,
        detail: { taskId: opened.id, stepId: input.step.id, policy: input.policy },
      });
    }
  }

  async function phoneTask(context: StepContext): Promise<ExecuteStepResult> {
    const { input, debtor, tenant, result } = context;
    const language = input.language ?? debtor.language ?? tenant.defaultLanguage;
    const script = input.step.template ? templateFor(language, input.step.template, tenant) : undefined;
    await openStepTask(context, {
      kind: "phone_call",
      title: `Call ${debtor.name}${debtor.phone ? ` (${debtor.phone})` : ""}: ${input.step.id}`,
      detail: { phone: debtor.phone, script: script?.text ?? null },
      summary: `phone call to ${debtor.name} added to the task list`,
    });
    return result("task_created", { contact: "phone" });
  }

  async function humanReview(context: StepContext): Promise<ExecuteStepResult> {
    await openStepTask(context, {
      kind: "review",
      title: `Decide what comes next for ${context.debtor.name}`,
      detail: {},
      summary: "the ladder hands the case to a person",
    });
    return context.result("task_created", { awaitingHuman: true });
  }

  async function lateFee(context: StepContext): Promise<ExecuteStepResult> {
    const { input, debtor, chased, result } = context;
    const charges = input.lateCharges?.recoveryIndemnityMinor ?? {};
    const fees = chased
      .filter((invoice) => invoice.dueDate < input.today && charges[invoice.currency] !== undefined)
      .map((invoice) => ({
        invoiceId: invoice.id,
        number: invoice.number,
        currency: invoice.currency,
        amountMinor: charges[invoice.currency] as number,
      }));
    if (fees.length === 0) {
      await store.appendCommunication(input.tenantId, {
        debtorId: input.debtorId,
        kind: "decision",
        status: "skipped",
        summary: `${input.step.id}: no late fee applies (no overdue invoice in a currency the policy charges)`,
        detail: { stepId: input.step.id },
      });
      return result("ledger_action_requested");
    }
    // The ledger writes the fee invoice; a connector that cannot write leaves it to a person.
    await store.recordCase(input.tenantId, input.debtorId, {
      type: "late_fee_requested",
      idempotencyKey: input.idempotencyKey,
      stepId: input.step.id,
      fees,
      summary: `${input.step.id}: late fee of ${fees.map((fee) => `${fee.amountMinor} ${fee.currency}`).join(" + ")} requested from the ledger for ${debtor.name}`,
    });
    return result("ledger_action_requested");
  }

  async function agencyHandOff(context: StepContext): Promise<ExecuteStepResult> {
    const { input, debtor, chased, all, disputed, result } = context;
    const disputedInvoices = all.filter((invoice) => (disputed[invoice.id] ?? 0) > 0);
    if (disputedInvoices.length > 0) {
      // Never hand a disputed invoice to an agency: a person decides instead.
      const numbers = disputedInvoices.map((invoice) => invoice.number).join(", ");
      const task = await store.createTask(input.tenantId, {
        idempotencyKey: input.idempotencyKey,
        debtorId: input.debtorId,
        kind: "agency_refused",
        title: `Agency hand-off refused for ${debtor.name}: invoice ${numbers} disputed`,
        detail: { stepId: input.step.id, disputedInvoices: disputedInvoices.map((invoice) => invoice.number) },
      });
      if (task.created) {
        await store.appendCommunication(input.tenantId, {
          debtorId: input.debtorId,
          kind: "decision",
          status: "refused",
          summary: `${input.step.id}: agency hand-off refused: invoice ${numbers} is disputed`,
          detail: { stepId: input.step.id, code: "disputed_invoice", taskId: task.id },
        });
      }
      return result("refused", { awaitingHuman: true });
    }
    const resolved = await deps.agencies(input.tenantId);
    const history = await store.listCommunications(input.tenantId, input.debtorId);
    const bundle: EvidenceBundle = {
      debtor: {
        externalId: debtor.externalId,
        name: debtor.name,
        emails: [...debtor.emails],
        ...(debtor.phone ? { phone: debtor.phone } : {}),
        ...(debtor.language ? { language: debtor.language } : {}),
        ...(debtor.kind ? { kind: debtor.kind } : {}),
        ...(debtor.address ? { address: debtor.address } : {}),
        ...(debtor.timeZone ? { timeZone: debtor.timeZone } : {}),
        tags: [...debtor.tags],
      },
      invoices: chased.map((invoice) => ({
        externalId: invoice.externalId,
        number: invoice.number,
        debtorExternalId: debtor.externalId,
        currency: invoice.currency,
        totalMinor: invoice.totalMinor,
        balanceMinor: invoice.chaseMinor,
        issueDate: invoice.issueDate,
        dueDate: invoice.dueDate,
        status: "open",
      })),
      communications: history.map((entry) => ({
        at: entry.at.toISOString(),
        channel: entry.channel ?? entry.kind,
        summary: entry.summary,
        status: entry.status ?? "",
      })),
    };
    const row = await store.claimOutbox(input.tenantId, {
      idempotencyKey: input.idempotencyKey,
      debtorId: input.debtorId,
      stepId: input.step.id,
      channel: "agency",
      pluginId: resolved.pluginId,
      payload: { bundle },
    });
    if (row.status === "sent") return result("claim_placed", { messageId: row.id });
    if (!row.created) await store.markOutboxSending(input.tenantId, row.id);
    // The agency plugin takes the key as its idempotency key: a retried placement returns the same claim.
    const claim = await resolved.agency
      .placeClaim((row.payload as { bundle: EvidenceBundle }).bundle, { idempotencyKey: input.idempotencyKey })
      .catch((error: unknown) => {
        throw toActivityFailure(error);
      });
    await store.markOutboxSent(input.tenantId, row.id, claim.claimId);
    await store.appendCommunication(input.tenantId, {
      debtorId: input.debtorId,
      messageId: row.id,
      kind: "message",
      channel: resolved.pluginId,
      status: "placed",
      summary: `${input.step.id}: claim ${claim.claimId} placed with ${resolved.pluginId} for ${bundle.invoices.length} invoice(s)`,
      detail: { stepId: input.step.id, action: "agency", claimId: claim.claimId, policy: input.policy },
    });
    return result("claim_placed", { messageId: row.id });
  }
}

/** The invoices a step chases right now, with the amount it chases on each. */
function chaseNow(
  invoices: readonly OpenInvoiceRecord[],
  disputed: Readonly<Record<string, number>>,
  input: ExecuteStepInput,
): (OpenInvoiceRecord & { readonly chaseMinor: number })[] {
  const excluded = new Set(input.chaseRules.excludedInvoiceIds);
  const anyDisputed = Object.values(disputed).some((amount) => amount > 0);
  if (anyDisputed && !input.chaseRules.chaseUndisputed) return [];
  return invoices
    .filter((invoice) => !excluded.has(invoice.id))
    .map((invoice) => ({ ...invoice, chaseMinor: invoice.balanceMinor - (disputed[invoice.id] ?? 0) }))
    .filter((invoice) => invoice.chaseMinor > 0);
}

function messageDetail(input: ExecuteStepInput): Record<string, unknown> {
  return {
    stepId: input.step.id,
    action: input.step.action,
    template: input.step.template,
    policy: input.policy,
    audience: input.audience,
    ...(input.repeat > 0 ? { repeat: input.repeat } : {}),
  };
}

function contacts(action: StepAction): boolean {
  return action !== "late_fee" && action !== "agency" && action !== "wait_for_human";
}

function passedOverWhy(reason: string): string {
  switch (reason) {
    case "late":
      return "already past when the case reached it";
    case "conditions":
      return "its conditions do not match this debtor";
    case "opted_out":
      return "the debtor opted out of its channel";
    default:
      return reason;
  }
}

/** Tenants change rarely and every step reads one: keep each for a minute. */
function cachedTenants(load: (tenantId: string) => Promise<TenantRecord | undefined>, now: () => number) {
  const cache = new Map<string, { tenant: TenantRecord | undefined; at: number }>();
  return {
    async get(tenantId: string): Promise<TenantRecord | undefined> {
      const hit = cache.get(tenantId);
      if (hit && now() - hit.at < 60_000) return hit.tenant;
      const tenant = await load(tenantId);
      cache.set(tenantId, { tenant, at: now() });
      return tenant;
    },
  };
}

function messageSummary(message: OutboundMessage, stepId: string): string {
  return `${stepId}: "${message.subject}" to ${message.to.email ?? message.to.name}`;
}
