/**
 * Ledger webhooks: one URL per connector for every connection of the app. The connector verifies the
 * request over its raw bytes (signature, constant-time compare) and maps its events; each event is
 * recorded once in the inbox (a redelivery is dropped), routed by ledger account to the connections
 * reading it, and turned into a targeted sync of the named records, which then signals the cases.
 */
import { createHash } from "node:crypto";
import type { LedgerChange, PluginRegistry, WebhookRequest } from "@relance/core";
import { RelanceError } from "@relance/core";
import type { Store } from "@relance/store";
import type { ConnectionSyncInput } from "@relance/workflows";
import type { Client } from "@temporalio/client";

export interface LedgerWebhookResult {
  readonly received: number;
  readonly fresh: number;
  readonly syncs: number;
}

export type LedgerWebhooks = (pluginId: string, request: WebhookRequest) => Promise<LedgerWebhookResult>;

export function createLedgerWebhooks(options: {
  readonly store: Store;
  readonly registry: PluginRegistry;
  readonly client: Client;
  readonly taskQueue: string;
}): LedgerWebhooks {
  const { store, registry } = options;
  return async (pluginId, request) => {
    if (!registry.has(pluginId)) throw new RelanceError("not_found", `no ledger webhook for "${pluginId}"`);
    const manifest = registry.get(pluginId, "connector");
    if (!manifest.webhooks || registry.app(pluginId) === undefined) {
      throw new RelanceError("not_found", `no ledger webhook for "${pluginId}"`);
    }
    const changes = await manifest.webhooks.receive(registry.app(pluginId), request);
    const fresh: LedgerChange[] = [];
    for (const change of changes) {
      const recorded = await store.recordWebhookEvent(pluginId, change.providerEventId, {
        payload: { ...change, occurredAt: change.occurredAt?.toISOString() },
      });
      if (recorded) fresh.push(change);
    }
    const byAccount = new Map<string, LedgerChange[]>();
    for (const change of fresh) byAccount.set(change.accountId, [...(byAccount.get(change.accountId) ?? []), change]);
    let syncs = 0;
    try {
      for (const [accountId, accountChanges] of byAccount) {
        const connections = await store.findConnectionsByAccount(pluginId, accountId);
        for (const connection of connections) {
          if (connection.status !== "active") continue;
          const input: ConnectionSyncInput = {
            tenantId: connection.tenantId,
            connectionId: connection.connectionId,
            changes: accountChanges,
          };
          const digest = createHash("sha256")
            .update(accountChanges.map((change) => change.providerEventId).join("\n"))
            .digest("hex")
            .slice(0, 32);
          await options.client.workflow
            .start("connectionSync", {
              workflowId: `ledger-webhook:${connection.tenantId}:${connection.connectionId}:${digest}`,
              taskQueue: options.taskQueue,
              args: [input],
            })
            .catch((error: unknown) => {
              if ((error as { name?: string }).name !== "WorkflowExecutionAlreadyStartedError") throw error;
            });
          syncs++;
        }
      }
    } catch (error) {
      // Not started: forget these events so the provider's redelivery is processed, not dropped.
      await store.forgetWebhookEvents(
        pluginId,
        fresh.map((change) => change.providerEventId),
      );
      throw error;
    }
    return { received: changes.length, fresh: fresh.length, syncs };
  };
}
