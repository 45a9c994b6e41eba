/**
 * Wires one Relance process from the environment: store, plugins, templates, policies, Temporal client,
 * and the dependencies of the worker and the API. `relance start`, `worker` and `api` all build one.
 */
import { mkdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import { choosePolicy, type Env, loadPolicies, loadTemplates } from "@relance/config";
import type { ChannelEvent, CollectionPolicy, WebhookHandler } from "@relance/core";
import { chaseOf, initialCaseState, matches, REAL_DAY_MS, RelanceError } from "@relance/core";
import { loadKeyring, openStore, type Store } from "@relance/store";
import {
  type ActivityDependencies,
  type AgencyResolver,
  type ChannelResolver,
  caseDebtorOf,
  commandCase,
  createCaseStarter,
  debtorWorkflowId,
  describeCase,
  type PolicyChooser,
  type ResolvedAgency,
  type ResolvedChannel,
} from "@relance/workflows";
import { Client, Connection } from "@temporalio/client";
import type { ApiServices } from "./api/services";
import { collectionStore } from "./collection-store";
import { createImporter, type Importer } from "./importer";
import { createLedgers, type Ledgers } from "./ledger";
import type { AppLogger } from "./logger";
import { createPluginRegistry } from "./plugins";
import { temporalConnectionOptions } from "./temporal-connection";

export interface RuntimeOptions {
  readonly env: Env;
  readonly logger: AppLogger;
  readonly devMode: boolean;
  readonly temporalAddress: string;
  /** Length of a policy day; REAL_DAY_MS unless a time scale is set. */
  readonly dayMs: number;
}

export interface Runtime {
  readonly env: Env;
  readonly logger: AppLogger;
  readonly dataDir: string;
  readonly store: Store;
  readonly client: Client;
  readonly connection: Connection;
  readonly taskQueue: string;
  readonly dayMs: number;
  readonly policies: ReadonlyMap<string, CollectionPolicy>;
  readonly importer: Importer;
  readonly activityDependencies: ActivityDependencies;
  readonly apiServices: ApiServices;
  readonly ledgers: Ledgers;
  /** Stores the shipped policies for a tenant (a new version only when one changed). */
  syncPolicies(tenantId: string): Promise<void>;
  close(): Promise<void>;
}

export function dayMsFrom(env: Env, fallbackSeconds?: number): number {
  const seconds = env.RELANCE_DAY_SECONDS ?? fallbackSeconds;
  return seconds === undefined ? REAL_DAY_MS : Math.round(seconds * 1000);
}

export async function createRuntime(options: RuntimeOptions): Promise<Runtime> {
  const { env, logger } = options;
  const dataDir = resolve(env.RELANCE_DATA_DIR);
  await mkdir(dataDir, { recursive: true });
  const keyring = await loadKeyring({ secretKey: env.RELANCE_SECRET_KEY, devMode: options.devMode, dataDir, logger });
  const [policies, templates] = await Promise.all([loadPolicies(), loadTemplates()]);
  const defaultPolicy = policies.get(env.RELANCE_POLICY);
  if (!defaultPolicy) {
    throw new RelanceError(
      "misconfigured",
      `RELANCE_POLICY "${env.RELANCE_POLICY}" is not one of: ${[...policies.keys()].join(", ")}`,
    );
  }
  const store = await openStore({ dataDir, ...(env.DATABASE_URL ? { databaseUrl: env.DATABASE_URL } : {}), keyring, logger });
  // Lazy: commands that never touch Temporal (tenant create) work without it; the first call connects.
  const connection = Connection.lazy(await temporalConnectionOptions(env, options.temporalAddress));
  const client = new Client({ connection, namespace: env.TEMPORAL_NAMESPACE });
  const taskQueue = env.TEMPORAL_TASK_QUEUE;
  const registry = createPluginRegistry(env);
  const pluginLogger = logger.child({ component: "plugin" });

  if (env.SENDGRID_API_KEY && !env.SENDGRID_FROM_EMAIL) {
    throw new RelanceError(
      "misconfigured",
      "SENDGRID_FROM_EMAIL (a verified sender of the SendGrid account) is required with SENDGRID_API_KEY",
    );
  }
  const sendgrid = env.SENDGRID_API_KEY
    ? {
        config: {
          baseUrl: env.SENDGRID_BASE_URL,
          fromEmail: env.SENDGRID_FROM_EMAIL,
        },
        secrets: {
          apiKey: env.SENDGRID_API_KEY,
          ...(env.SENDGRID_WEBHOOK_PUBLIC_KEY ? { webhookPublicKey: env.SENDGRID_WEBHOOK_PUBLIC_KEY } : {}),
        },
      }
    : undefined;
  const emailChannel: Promise<ResolvedChannel> = sendgrid
    ? registry
        .create("email-sendgrid", "channel", { ...sendgrid, logger: pluginLogger })
        .then((channel) => ({ pluginId: "email-sendgrid", channel }))
    : registry
        .create("outbox", "channel", { config: { directory: join(dataDir, "outbox") }, secrets: {}, logger: pluginLogger })
        .then((channel) => ({ pluginId: "outbox", channel }));
  const resolved = await emailChannel;
  logger.info(
    { channel: resolved.pluginId },
    sendgrid ? "emails go through SendGrid" : `emails go to the local outbox ${join(dataDir, "outbox")}`,
  );
  // Letters go to the local sandbox until a postal provider is configured.
  const letters: ResolvedChannel = {
    pluginId: "outbox",
    channel: await registry.create("outbox", "channel", {
      config: { directory: join(dataDir, "outbox", "letters"), channel: "letter" },
      secrets: {},
      logger: pluginLogger,
    }),
  };
  const channels: ChannelResolver = async (_tenantId, channel) => (channel === "letter" ? letters : resolved);
  const agency: ResolvedAgency = {
    pluginId: "agency-outbox",
    agency: await registry.create("agency-outbox", "agency", {
      config: { directory: join(dataDir, "agency") },
      secrets: {},
      logger: pluginLogger,
    }),
  };
  const agencies: AgencyResolver = async () => agency;
  const channelWebhooks = new Map<string, WebhookHandler<ChannelEvent>>();
  if (resolved.channel.webhooks) channelWebhooks.set(resolved.pluginId, resolved.channel.webhooks);

  // The tenant's latest version of the default policy, or a variant of it that applies to the debtor.
  const policyFor: PolicyChooser = async (tenantId) => {
    const stored = await store.listPolicies(tenantId);
    const byKey = new Map(stored.map((entry) => [entry.key, entry.policy]));
    const base = byKey.get(defaultPolicy.key) ?? defaultPolicy;
    return (debtor, invoices) => {
      const state = initialCaseState(invoices, caseDebtorOf(debtor));
      const balances = chaseOf(state, base)?.balances ?? [];
      return choosePolicy(byKey.values(), base, (policy) => matches(policy.appliesTo, state, balances));
    };
  };
  const cases = createCaseStarter({
    client,
    taskQueue,
    dayMs: options.dayMs,
    historyLimit: env.RELANCE_CASE_HISTORY_LIMIT,
    policyFor,
  });
  const ledgers = createLedgers({
    store,
    registry,
    client,
    taskQueue,
    logger,
    syncEveryMinutes: env.RELANCE_SYNC_INTERVAL_MINUTES,
  });
  const importer = createImporter({
    store,
    temporal: { client, taskQueue },
    maxImportBytes: env.RELANCE_MAX_IMPORT_BYTES,
    logger,
  });

  const activityDependencies: ActivityDependencies = {
    store: collectionStore(store, ledgers.writeBacks, logger.child({ component: "ledger" })),
    ledgers: ledgers.port,
    channels,
    templates: (language, name) => templates.get(language)?.get(name),
    agencies,
    cases,
    logger: logger.child({ component: "activity" }),
    clock: { now: () => new Date() },
  };

  const apiServices: ApiServices = {
    store,
    importer,
    policies,
    cases: {
      async describe(tenantId, debtor) {
        const workflowId = debtorWorkflowId(tenantId, debtor.connectionId, debtor.externalId);
        return { ...(await describeCase(client, workflowId)), workflowId };
      },
      command: (tenantId, debtor, command) =>
        commandCase(client, debtorWorkflowId(tenantId, debtor.connectionId, debtor.externalId), command),
    },
    temporalReady: async () => {
      await connection.healthService.check({});
    },
    channelWebhooks,
    registry,
    ledgers,
    limits: { maxBodyBytes: env.RELANCE_MAX_BODY_BYTES, maxImportBytes: env.RELANCE_MAX_IMPORT_BYTES },
    logger: logger.child({ component: "api" }),
  };

  return {
    env,
    logger,
    dataDir,
    store,
    client,
    connection,
    taskQueue,
    dayMs: options.dayMs,
    policies,
    importer,
    activityDependencies,
    apiServices,
    ledgers,
    async syncPolicies(tenantId) {
      for (const policy of policies.values()) await store.savePolicy(tenantId, policy);
    },
    async close() {
      await connection.close();
      await store.close();
    },
  };
}
