/**
 * Ledger connections in one process: tokens, connectors, schedules, the connect flow, webhooks and
 * write-backs, and the port the worker's activities call.
 */
import type { PluginRegistry } from "@relance/core";
import type { Store } from "@relance/store";
import type { LedgerPort } from "@relance/workflows";
import type { Client } from "@temporalio/client";
import type { AppLogger } from "../logger";
import { createLedgerConnect, type LedgerConnect } from "./connect";
import { type ConnectorFactory, createConnectorFactory } from "./connectors";
import { GrantTokens } from "./grant-tokens";
import { askToReconnect } from "./reconnect";
import { createSyncSchedules, type SyncSchedules } from "./schedules";
import { syncPage } from "./sync-page";
import { createLedgerWebhooks, type LedgerWebhooks } from "./webhooks";
import { createWriteBacks, type WriteBacks } from "./write-back";

export interface Ledgers {
  readonly tokens: GrantTokens;
  readonly connectors: ConnectorFactory;
  readonly schedules: SyncSchedules;
  readonly connect: LedgerConnect;
  readonly webhooks: LedgerWebhooks;
  readonly writeBacks: WriteBacks;
  readonly port: LedgerPort;
}

export function createLedgers(options: {
  readonly store: Store;
  readonly registry: PluginRegistry;
  readonly client: Client;
  readonly taskQueue: string;
  readonly logger: AppLogger;
  readonly syncEveryMinutes: number;
}): Ledgers {
  const { store, registry, client, taskQueue, logger } = options;
  const schedules = createSyncSchedules(client, taskQueue);
  const tokens = new GrantTokens({
    store,
    registry,
    logger,
    onNeedsReauth: async (tenantId, grantId) => {
      const connections = await store.listConnections(tenantId, { kind: "connector" });
      for (const connection of connections.filter((candidate) => candidate.grantId === grantId)) {
        await schedules.pause(tenantId, connection.id, "the ledger refused access: reconnect it");
      }
    },
  });
  const connectors = createConnectorFactory({ store, registry, tokens, logger: logger.child({ component: "ledger" }) });
  const writeBacks = createWriteBacks({ store, connectors, client, taskQueue });
  return {
    tokens,
    connectors,
    schedules,
    connect: createLedgerConnect({ store, registry, tokens, schedules, syncEveryMinutes: options.syncEveryMinutes }),
    webhooks: createLedgerWebhooks({ store, registry, client, taskQueue }),
    writeBacks,
    port: {
      syncPage: (input) =>
        syncPage(store, connectors, input, async (connection, reason) => {
          const why = `the ledger refused access (${reason}): reconnect it`;
          await store.setConnectionStatus(connection.tenantId, connection.id, "error", why);
          await askToReconnect(store, connection.tenantId, {
            names: connection.name,
            status: "access_refused",
            summary: `${connection.name}: ${why}; syncing is paused`,
            detail: { connectionId: connection.id, reason },
            taskKey: `access-refused:${connection.id}:${connection.updatedAt.getTime()}`,
          });
          await schedules.pause(connection.tenantId, connection.id, why);
        }),
      applyAction: (input) => writeBacks.apply(input),
      actionFailed: (input) => writeBacks.failed(input),
    },
  };
}
