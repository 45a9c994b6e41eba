/**
 * The repository functions bound to one database handle (the store's pool, or a transaction) and the
 * keyring. Every tenant-owned read and write takes the tenant id and filters by it.
 */
import type { CaseSnapshot, DebtorOverrides, InvoiceStatus, OAuthAccount, OAuthTokens } from "@relance/core";
import * as apiKeys from "./repositories/api-keys";
import * as communications from "./repositories/communications";
import * as connections from "./repositories/connections";
import * as debtorSettings from "./repositories/debtor-settings";
import * as disputes from "./repositories/disputes";
import * as imports from "./repositories/imports";
import * as ledger from "./repositories/ledger";
import * as ledgerActions from "./repositories/ledger-actions";
import * as reads from "./repositories/ledger-reads";
import * as oauth from "./repositories/oauth";
import * as outbox from "./repositories/outbox";
import * as plans from "./repositories/payment-plans";
import * as policies from "./repositories/policies";
import * as promises from "./repositories/promises";
import * as tasks from "./repositories/tasks";
import * as tenants from "./repositories/tenants";
import * as webhooks from "./repositories/webhook-inbox";
import type { CommunicationKind, ConnectionKind, ConnectionStatus, Db, GrantStatus, InstalmentStatus } from "./schema";
import type { Keyring } from "./secret-box";
import type { Page } from "./support";

export class Repositories {
  constructor(
    /** The handle every call goes through: the pool, or the transaction this object was made for. */
    readonly db: Db,
    readonly keyring: Keyring | undefined,
  ) {}

  // Tenants and API keys -----------------------------------------------------------------------------
  createTenant(input: tenants.NewTenant): Promise<tenants.Tenant> {
    return tenants.createTenant(this.db, input);
  }
  getTenant(tenantId: string): Promise<tenants.Tenant | undefined> {
    return tenants.getTenant(this.db, tenantId);
  }
  findTenantBySlug(slug: string): Promise<tenants.Tenant | undefined> {
    return tenants.findTenantBySlug(this.db, slug);
  }
  listTenants(): Promise<tenants.Tenant[]> {
    return tenants.listTenants(this.db);
  }
  createApiKey(tenantId: string, label: string): Promise<apiKeys.CreatedApiKey> {
    return apiKeys.createApiKey(this.db, tenantId, label);
  }
  authenticateApiKey(key: string): Promise<apiKeys.ApiKeyIdentity | undefined> {
    return apiKeys.authenticateApiKey(this.db, key);
  }
  revokeApiKey(tenantId: string, keyId: string): Promise<boolean> {
    return apiKeys.revokeApiKey(this.db, tenantId, keyId);
  }
  listApiKeys(tenantId: string): Promise<apiKeys.ApiKeyInfo[]> {
    return apiKeys.listApiKeys(this.db, tenantId);
  }

  // Connections ---------------------------------------------------------------------------------------
  ensureConnection(tenantId: string, input: connections.ConnectionInput): Promise<connections.ConnectionSummary> {
    return connections.ensureConnection(this.db, this.keyring, tenantId, input);
  }
  getConnection(
    tenantId: string,
    connectionId: string,
    options?: connections.GetConnectionOptions,
  ): Promise<connections.Connection | undefined> {
    return connections.getConnection(this.db, this.keyring, tenantId, connectionId, options);
  }
  listConnections(tenantId: string, filter?: { kind?: ConnectionKind }): Promise<connections.ConnectionSummary[]> {
    return connections.listConnections(this.db, tenantId, filter);
  }
  updateConnectionSecrets(tenantId: string, connectionId: string, secrets: Record<string, unknown>): Promise<boolean> {
    return connections.updateConnectionSecrets(this.db, this.keyring, tenantId, connectionId, secrets);
  }
  setConnectionStatus(
    tenantId: string,
    connectionId: string,
    status: ConnectionStatus,
    reason?: string | null,
  ): Promise<boolean> {
    return connections.setConnectionStatus(this.db, tenantId, connectionId, status, reason ?? null);
  }
  updateConnectionConfig(tenantId: string, connectionId: string, config: Record<string, unknown>): Promise<boolean> {
    return connections.updateConnectionConfig(this.db, tenantId, connectionId, config);
  }

  paymentInvoices(tenantId: string, connectionId: string, paymentIds: readonly string[]): Promise<string[]> {
    return ledger.paymentInvoices(this.db, tenantId, connectionId, paymentIds);
  }

  // OAuth ---------------------------------------------------------------------------------------------
  createOAuthState(input: oauth.NewOAuthState): Promise<void> {
    return oauth.createOAuthState(this.db, this.keyring, input);
  }
  consumeOAuthState(pluginId: string, stateHash: string, browserHash: string): Promise<oauth.ConsumedOAuthState> {
    return oauth.consumeOAuthState(this.db, this.keyring, pluginId, stateHash, browserHash);
  }
  createGrant(
    tenantId: string,
    input: { pluginId: string; tokens: OAuthTokens; accounts: readonly OAuthAccount[]; connectionName: string },
  ): Promise<string> {
    return oauth.createGrant(this.db, this.keyring, tenantId, input);
  }
  getGrant(tenantId: string, grantId: string, options?: { forUpdate?: boolean }): Promise<oauth.Grant | undefined> {
    return oauth.getGrant(this.db, this.keyring, tenantId, grantId, options);
  }
  saveGrantTokens(tenantId: string, grantId: string, tokens: OAuthTokens): Promise<void> {
    return oauth.saveGrantTokens(this.db, this.keyring, tenantId, grantId, tokens);
  }
  setGrantStatus(tenantId: string, grantId: string, status: GrantStatus, reason: string | null): Promise<void> {
    return oauth.setGrantStatus(this.db, tenantId, grantId, status, reason);
  }
  connectAccount(tenantId: string, input: oauth.AccountConnectionInput): Promise<{ id: string; created: boolean }> {
    return oauth.connectAccount(this.db, tenantId, input);
  }
  findConnectionsByAccount(pluginId: string, accountId: string) {
    return oauth.findConnectionsByAccount(this.db, pluginId, accountId);
  }
  countGrantConnections(tenantId: string, grantId: string): Promise<number> {
    return oauth.countGrantConnections(this.db, tenantId, grantId);
  }
  recordSyncWatermark(tenantId: string, connectionId: string, watermark: string | null): Promise<boolean> {
    return connections.recordSyncWatermark(this.db, tenantId, connectionId, watermark);
  }

  // Ledger --------------------------------------------------------------------------------------------
  applyLedgerChanges(tenantId: string, connectionId: string, changes: ledger.LedgerChanges): Promise<ledger.LedgerApplyResult> {
    return ledger.applyLedgerChanges(this.db, tenantId, connectionId, changes);
  }
  listDebtors(tenantId: string, options: reads.ListDebtorsOptions): Promise<Page<reads.DebtorListItem>> {
    return reads.listDebtors(this.db, tenantId, options);
  }
  getDebtor(tenantId: string, debtorId: string): Promise<reads.DebtorRecord | undefined> {
    return reads.getDebtor(this.db, tenantId, debtorId);
  }
  findDebtorByExternalId(tenantId: string, connectionId: string, externalId: string): Promise<reads.DebtorRecord | undefined> {
    return reads.findDebtorByExternalId(this.db, tenantId, connectionId, externalId);
  }
  setDebtorPaused(tenantId: string, debtorId: string, paused: boolean): Promise<boolean> {
    return reads.setDebtorPaused(this.db, tenantId, debtorId, paused);
  }
  listInvoices(
    tenantId: string,
    options: { limit: number; cursor?: string; debtorId?: string; status?: InvoiceStatus },
  ): Promise<Page<reads.InvoiceRecord>> {
    return reads.listInvoices(this.db, tenantId, options);
  }
  getCaseSnapshot(tenantId: string, debtorId: string): Promise<CaseSnapshot> {
    return reads.getCaseSnapshot(this.db, tenantId, debtorId);
  }
  getOpenInvoices(tenantId: string, debtorId: string): Promise<reads.InvoiceRecord[]> {
    return reads.getOpenInvoices(this.db, tenantId, debtorId);
  }
  getStepContext(tenantId: string, debtorId: string) {
    return reads.getStepContext(this.db, tenantId, debtorId);
  }
  getDebtorsWithOpenInvoices(
    tenantId: string,
    debtorIds: readonly string[],
  ): Promise<Map<string, { debtor: reads.DebtorRecord; invoices: reads.InvoiceRecord[] }>> {
    return reads.getDebtorsWithOpenInvoices(this.db, tenantId, debtorIds);
  }
  getDebtorOverrides(tenantId: string, debtorId: string): Promise<DebtorOverrides | undefined> {
    return debtorSettings.getDebtorOverrides(this.db, tenantId, debtorId);
  }
  setDebtorOverrides(tenantId: string, debtorId: string, overrides: DebtorOverrides): Promise<boolean> {
    return debtorSettings.setDebtorOverrides(this.db, tenantId, debtorId, overrides);
  }
  setDebtorTags(tenantId: string, debtorId: string, tags: readonly string[]): Promise<boolean> {
    return debtorSettings.setDebtorTags(this.db, tenantId, debtorId, tags);
  }

  // Disputes ------------------------------------------------------------------------------------------
  openDispute(tenantId: string, input: disputes.OpenDisputeInput): Promise<disputes.Dispute> {
    return disputes.openDispute(this.db, tenantId, input);
  }
  getDispute(tenantId: string, disputeId: string): Promise<disputes.Dispute | undefined> {
    return disputes.getDispute(this.db, tenantId, disputeId);
  }
  listDisputes(tenantId: string, filter?: disputes.DisputeFilter): Promise<disputes.Dispute[]> {
    return disputes.listDisputes(this.db, tenantId, filter);
  }
  assignMediator(tenantId: string, disputeId: string, input: disputes.AssignMediatorInput): Promise<disputes.Dispute> {
    return disputes.assignMediator(this.db, tenantId, disputeId, input);
  }
  resolveDispute(
    tenantId: string,
    disputeId: string,
    resolution: disputes.DisputeResolution,
    options?: { resolvedAt?: Date },
  ): Promise<disputes.Dispute> {
    return disputes.resolveDispute(this.db, tenantId, disputeId, resolution, options);
  }
  /** Invoice id → disputed minor units over the debtor's open disputes: re-check right before sending. */
  openDisputedAmounts(tenantId: string, debtorId: string): Promise<Record<string, number>> {
    return disputes.openDisputedAmounts(this.db, tenantId, debtorId);
  }

  // Promises to pay -----------------------------------------------------------------------------------
  createPromise(tenantId: string, input: promises.CreatePromiseInput): Promise<promises.PromiseToPay> {
    return promises.createPromise(this.db, tenantId, input);
  }
  getPromise(tenantId: string, promiseId: string): Promise<promises.PromiseToPay | undefined> {
    return promises.getPromise(this.db, tenantId, promiseId);
  }
  getOpenPromise(tenantId: string, debtorId: string): Promise<promises.PromiseToPay | undefined> {
    return promises.getOpenPromise(this.db, tenantId, debtorId);
  }
  settlePromise(
    tenantId: string,
    promiseId: string,
    status: promises.PromiseSettlement,
    options?: { settledAt?: Date },
  ): Promise<promises.PromiseToPay> {
    return promises.settlePromise(this.db, tenantId, promiseId, status, options);
  }
  listPromises(tenantId: string, filter?: promises.PromiseFilter): Promise<promises.PromiseToPay[]> {
    return promises.listPromises(this.db, tenantId, filter);
  }
  promiseCounts(tenantId: string, debtorId: string): Promise<promises.PromiseCounts> {
    return promises.promiseCounts(this.db, tenantId, debtorId);
  }

  // Payment plans -------------------------------------------------------------------------------------
  createPlan(tenantId: string, input: plans.CreatePlanInput, rules: plans.PlanRules): Promise<plans.PaymentPlan> {
    return plans.createPlan(this.db, tenantId, input, rules);
  }
  getPlan(tenantId: string, planId: string): Promise<plans.PaymentPlan | undefined> {
    return plans.getPlan(this.db, tenantId, planId);
  }
  getActivePlan(tenantId: string, debtorId: string): Promise<plans.PaymentPlan | undefined> {
    return plans.getActivePlan(this.db, tenantId, debtorId);
  }
  markInstalment(
    tenantId: string,
    planId: string,
    seq: number,
    status: Exclude<InstalmentStatus, "due">,
  ): Promise<plans.PaymentPlan> {
    return plans.markInstalment(this.db, tenantId, planId, seq, status);
  }
  endPlan(tenantId: string, planId: string, status: plans.PlanEnd, options?: { endedAt?: Date }): Promise<plans.PaymentPlan> {
    return plans.endPlan(this.db, tenantId, planId, status, options);
  }

  // Tasks ---------------------------------------------------------------------------------------------
  createTask(tenantId: string, input: tasks.CreateTaskInput): Promise<tasks.CreatedTask> {
    return tasks.createTask(this.db, tenantId, input);
  }
  getTask(tenantId: string, taskId: string): Promise<tasks.Task | undefined> {
    return tasks.getTask(this.db, tenantId, taskId);
  }
  listTasks(tenantId: string, options: tasks.ListTasksOptions): Promise<Page<tasks.Task>> {
    return tasks.listTasks(this.db, tenantId, options);
  }
  completeTask(tenantId: string, taskId: string, input?: tasks.CompleteTaskInput): Promise<tasks.Task> {
    return tasks.completeTask(this.db, tenantId, taskId, input);
  }
  cancelTask(tenantId: string, taskId: string, note?: string | null): Promise<tasks.Task> {
    return tasks.cancelTask(this.db, tenantId, taskId, note);
  }

  // Ledger write-backs --------------------------------------------------------------------------------
  requestLedgerAction(
    tenantId: string,
    input: ledgerActions.RequestLedgerActionInput,
  ): Promise<ledgerActions.RequestedLedgerAction> {
    return ledgerActions.requestLedgerAction(this.db, tenantId, input);
  }
  getLedgerAction(tenantId: string, actionId: string): Promise<ledgerActions.LedgerAction | undefined> {
    return ledgerActions.getLedgerAction(this.db, tenantId, actionId);
  }
  listLedgerActions(
    tenantId: string,
    filter: ledgerActions.LedgerActionFilter & { limit: number },
  ): Promise<ledgerActions.LedgerAction[]> {
    return ledgerActions.listLedgerActions(this.db, tenantId, filter);
  }
  markLedgerAction(
    tenantId: string,
    actionId: string,
    result: ledgerActions.LedgerActionResult,
  ): Promise<ledgerActions.LedgerAction> {
    return ledgerActions.markLedgerAction(this.db, tenantId, actionId, result);
  }

  // Policies ------------------------------------------------------------------------------------------
  savePolicy(tenantId: string, definition: policies.PolicyDefinition): Promise<policies.SavedPolicy> {
    return policies.savePolicy(this.db, tenantId, definition);
  }
  getPolicy(tenantId: string, key: string, version?: number): Promise<policies.StoredPolicy | undefined> {
    return policies.getPolicy(this.db, tenantId, key, version);
  }
  listPolicyVersions(tenantId: string, key: string): Promise<policies.StoredPolicy[]> {
    return policies.listPolicyVersions(this.db, tenantId, key);
  }
  listPolicies(tenantId: string): Promise<policies.StoredPolicy[]> {
    return policies.listPolicies(this.db, tenantId);
  }

  // Outbox --------------------------------------------------------------------------------------------
  claimOutbox(tenantId: string, input: outbox.ClaimOutboxInput): Promise<outbox.OutboxClaim> {
    return outbox.claimOutbox(this.db, tenantId, input);
  }
  markOutboxSending(tenantId: string, messageId: string): Promise<number> {
    return outbox.markOutboxSending(this.db, tenantId, messageId);
  }
  markOutboxSentAndRecord(
    tenantId: string,
    messageId: string,
    externalId: string,
    entry: Parameters<typeof outbox.markOutboxSentAndRecord>[4],
  ): Promise<void> {
    return outbox.markOutboxSentAndRecord(this.db, tenantId, messageId, externalId, entry);
  }
  markOutboxSent(tenantId: string, messageId: string, externalId: string): Promise<outbox.OutboxMessage> {
    return outbox.markOutboxSent(this.db, tenantId, messageId, externalId);
  }
  markOutboxCancelled(tenantId: string, messageId: string, reason: string): Promise<outbox.OutboxMessage> {
    return outbox.markOutboxCancelled(this.db, tenantId, messageId, reason);
  }
  markOutboxInDoubt(tenantId: string, messageId: string, reason: string): Promise<outbox.OutboxMessage> {
    return outbox.markOutboxInDoubt(this.db, tenantId, messageId, reason);
  }
  markOutboxFailed(tenantId: string, messageId: string, error: string): Promise<outbox.OutboxMessage> {
    return outbox.markOutboxFailed(this.db, tenantId, messageId, error);
  }
  getOutboxMessage(tenantId: string, messageId: string): Promise<outbox.OutboxMessage | undefined> {
    return outbox.getOutboxMessage(this.db, tenantId, messageId);
  }
  findOutboxByKey(tenantId: string, idempotencyKey: string): Promise<outbox.OutboxMessage | undefined> {
    return outbox.findOutboxByKey(this.db, tenantId, idempotencyKey);
  }
  /** Across tenants, for provider webhooks: take the tenant from the result. */
  findOutboxByMessageId(messageId: string): Promise<outbox.OutboxMessage | undefined> {
    return outbox.findOutboxByMessageId(this.db, messageId);
  }
  countOutbox(tenantId: string, filter?: outbox.OutboxFilter): Promise<number> {
    return outbox.countOutbox(this.db, tenantId, filter);
  }
  listOutbox(tenantId: string, filter: outbox.OutboxFilter & { limit: number }): Promise<outbox.OutboxMessage[]> {
    return outbox.listOutbox(this.db, tenantId, filter);
  }

  // Communications, webhooks, imports -----------------------------------------------------------------
  appendCommunication(tenantId: string, entry: communications.CommunicationEntry): Promise<communications.Communication> {
    return communications.appendCommunication(this.db, tenantId, entry);
  }
  listTimeline(
    tenantId: string,
    debtorId: string | null,
    options: { limit: number; cursor?: string },
  ): Promise<Page<communications.Communication>> {
    return communications.listTimeline(this.db, tenantId, debtorId, options);
  }
  countCommunications(tenantId: string, debtorId: string, kind?: CommunicationKind): Promise<number> {
    return communications.countCommunications(this.db, tenantId, debtorId, kind);
  }
  recordDeliveryEvent(messageId: string, event: communications.DeliveryEvent): Promise<communications.Communication | undefined> {
    return communications.recordDeliveryEvent(this.db, messageId, event);
  }
  recordWebhookEvent(
    provider: string,
    providerEventId: string,
    event: { tenantId?: string | null; payload: unknown },
  ): Promise<boolean> {
    return webhooks.recordWebhookEvent(this.db, provider, providerEventId, event);
  }
  forgetWebhookEvents(provider: string, providerEventIds: readonly string[]): Promise<void> {
    return webhooks.forgetWebhookEvents(this.db, provider, providerEventIds);
  }
  recordImport(tenantId: string, input: imports.ImportInput): Promise<imports.ImportRecord> {
    return imports.recordImport(this.db, tenantId, input);
  }
  findImportBySha(tenantId: string, connectionId: string, sha256: string): Promise<imports.ImportRecord | undefined> {
    return imports.findImportBySha(this.db, tenantId, connectionId, sha256);
  }
  listImports(tenantId: string, connectionId?: string): Promise<imports.ImportRecord[]> {
    return imports.listImports(this.db, tenantId, connectionId);
  }
}
