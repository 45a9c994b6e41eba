/**
 * Activities, built by a factory from their dependencies. `executeStep` is where money-costing or
 * irreversible side effects happen, so it is written for exactly-once:
 *   1. re-read the balance right before sending (a payment may have landed a minute ago);
 *   2. reserve the outbox row under the step's idempotency key (unique index) BEFORE calling the provider;
 *   3. on a retry whose earlier attempt may have reached the provider, ask the provider (`findSent`)
 *      instead of sending again; a provider that cannot be asked parks the message for a human.
 */
import { calendarDateOf, hasBalance, isRelanceError, money, type OutboundMessage, RelanceError, snapshotOf } from "@relance/core";
import { heartbeat } from "@temporalio/activity";
import { composeMessage } from "./compose-message";
import { toActivityFailure } from "./failures";
import type { ActivityDependencies, OpenInvoiceRecord, TenantRecord } from "./ports";
import type { CollectionActivities, ExecuteStepInput, ExecuteStepResult } from "./types";

type MessagePayload = Omit<OutboundMessage, "id">;

export function createActivities(deps: ActivityDependencies): CollectionActivities {
  const { store, logger } = deps;
  const tenants = cachedTenants(store.getTenant.bind(store), () => deps.clock.now().getTime());

  async function executeStep(input: ExecuteStepInput): Promise<ExecuteStepResult> {
    // Heartbeats only once the step runs long: most steps finish well before, at no cost to the server.
    const beating = setInterval(() => heartbeat(), 2_000);
    try {
      return await executeStepOnce(input);
    } finally {
      clearInterval(beating);
    }
  }

  async function executeStepOnce(input: ExecuteStepInput): Promise<ExecuteStepResult> {
    const { tenantId, debtorId, step } = input;
    // Read right before sending: a payment may have landed a minute ago.
    const invoices = await store.getOpenInvoices(tenantId, debtorId);
    const snapshot = snapshotOf(invoices);
    for (const skipped of input.skippedStepIds) {
      await store.appendCommunication(tenantId, {
        debtorId,
        kind: "decision",
        status: "skipped",
        summary: `step ${skipped} skipped: already past when the case reached it`,
        detail: { stepId: skipped, policy: input.policy },
      });
    }
    if (!hasBalance(snapshot)) {
      await store.appendCommunication(tenantId, {
        debtorId,
        kind: "decision",
        status: "not_sent",
        summary: `step ${step.id} not sent: nothing is owed any more`,
        detail: { stepId: step.id, policy: input.policy },
      });
      return { outcome: "not_sent_zero_balance", messageId: null, snapshot };
    }

    const resolved = await deps.channels(tenantId, "email");
    const payload = await buildPayload(input, invoices);
    const row = await store.reserveOutbox(tenantId, {
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
    const done = (outcome: ExecuteStepResult["outcome"]): ExecuteStepResult => ({ outcome, messageId: row.id, snapshot });

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

    if (row.attempts > 0) {
      if (!resolved.channel.findSent) {
        const reason = `an earlier attempt may have reached ${resolved.pluginId}, which cannot be asked: not sent again`;
        await store.markOutboxInDoubt(tenantId, row.id, reason);
        await record(tenantId, debtorId, row.id, resolved.pluginId, "in_doubt", `${step.id}: ${reason}`, input);
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
        await record(tenantId, debtorId, row.id, resolved.pluginId, found.status, messageSummary(message, step.id), input);
        return done("sent");
      }
    }

    await store.markOutboxSending(tenantId, row.id);
    try {
      const result = await resolved.channel.send(message, options);
      await store.markOutboxSent(tenantId, row.id, result.externalId);
      await record(tenantId, debtorId, row.id, resolved.pluginId, result.status, messageSummary(message, step.id), input);
      return done("sent");
    } catch (error) {
      if (isRelanceError(error) && !error.retryable) {
        await store.markOutboxFailed(tenantId, row.id, error.message);
        await record(tenantId, debtorId, row.id, resolved.pluginId, "failed", `${step.id}: ${error.message}`, input);
        return done("failed");
      }
      throw toActivityFailure(error);
    }
  }

  async function record(
    tenantId: string,
    debtorId: string,
    messageId: string,
    pluginId: string,
    status: string,
    summary: string,
    input: ExecuteStepInput,
  ): Promise<void> {
    await store.appendCommunication(tenantId, {
      debtorId,
      messageId,
      kind: "message",
      channel: pluginId,
      status,
      summary,
      detail: { stepId: input.step.id, template: input.step.template, policy: input.policy },
    });
  }

  async function buildPayload(input: ExecuteStepInput, invoices: readonly OpenInvoiceRecord[]): Promise<MessagePayload> {
    const { tenantId, debtorId, step } = input;
    const [tenant, debtor] = await Promise.all([tenants.get(tenantId), store.getDebtor(tenantId, debtorId)]);
    if (!tenant || !debtor) throw toActivityFailure(new RelanceError("not_found", `debtor ${debtorId} of tenant ${tenantId}`));
    const language = debtor.language ?? tenant.defaultLanguage;
    const template =
      deps.templates(language, step.template) ??
      deps.templates(language.split("-")[0] ?? language, step.template) ??
      deps.templates(tenant.defaultLanguage, step.template);
    if (!template) {
      throw toActivityFailure(new RelanceError("misconfigured", `no template "${step.template}" for language ${language}`));
    }
    const email = debtor.emails[0];
    if (!email) {
      throw toActivityFailure(new RelanceError("validation_failed", `debtor ${debtor.externalId} has no email address`));
    }
    const content = composeMessage({
      template,
      language,
      today: calendarDateOf(deps.clock.now().getTime()),
      debtorName: debtor.name,
      companyName: tenant.name,
      senderName: tenant.senderName,
      invoices: invoices.map((invoice) => ({
        number: invoice.number,
        issueDate: invoice.issueDate,
        dueDate: invoice.dueDate,
        balance: money(invoice.balanceMinor, invoice.currency),
      })),
    });
    return {
      tenantId,
      to: { name: debtor.name, email },
      from: { name: tenant.senderName, email: tenant.senderEmail },
      replyTo: tenant.senderEmail,
      subject: content.subject,
      text: content.text,
      html: content.html,
      language,
      metadata: { debtorId, stepId: step.id, policy: `${input.policy.key}@${input.policy.version}` },
    };
  }

  return {
    executeStep,

    async closeCase({ tenantId, debtorId, lastStepId }) {
      await store.appendCommunication(tenantId, {
        debtorId,
        kind: "decision",
        status: "closed",
        summary: "case closed: nothing is owed",
        detail: { lastStepId },
      });
    },

    async signalChangedDebtors({ tenantId, importId, offset, limit }) {
      const ids = await store.listImportChangedDebtors(tenantId, importId, offset, limit);
      let signalled = 0;
      // signal-with-start is one round trip each: a few in flight at once keeps large imports quick.
      await inParallel(ids, 16, async (debtorId) => {
        const debtor = await store.getDebtor(tenantId, debtorId);
        if (!debtor) return;
        const snapshot = await store.getCaseSnapshot(tenantId, debtorId);
        await deps.cases.openOrUpdate(tenantId, debtor, snapshot);
        signalled++;
        heartbeat({ offset, signalled });
      });
      return { signalled, nextOffset: ids.length < limit ? null : offset + ids.length };
    },
  };
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

async function inParallel<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await work(item);
    }
  });
  await Promise.all(lanes);
}

function messageSummary(message: OutboundMessage, stepId: string): string {
  return `${stepId}: "${message.subject}" to ${message.to.email ?? message.to.name}`;
}
