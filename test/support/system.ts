/**
 * The whole product in one test process, wired exactly as `relance start` wires it: a real Temporal dev
 * server, the real store (PGlite in a temp folder, or a fresh PostgreSQL database), the real worker and
 * HTTP API; only SendGrid is a fake HTTP server on 127.0.0.1.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadEnv } from "@relance/config";
import { createApi } from "@relance/server/api";
import { createLogger } from "@relance/server/logger";
import { createRuntime, type Runtime } from "@relance/server/runtime";
import { createRelanceWorker } from "@relance/workflows";
import type { TestWorkflowEnvironment } from "@temporalio/testing";
import type { Worker } from "@temporalio/worker";
import pg from "pg";
import { type FakeSendGrid, startFakeSendGrid } from "../fakes/sendgrid";
import { startTemporal } from "./temporal";

export type Engine = "pglite" | "postgres";

export function engines(): Engine[] {
  return ["pglite", "postgres"];
}

/** A fresh, empty PostgreSQL database on the test server, dropped by the returned function. */
export async function createPostgresDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const admin = process.env.RELANCE_TEST_DATABASE_URL;
  if (!admin) {
    throw new Error("RELANCE_TEST_DATABASE_URL is not set: run the tests with `bash scripts/test.sh`, which starts PostgreSQL");
  }
  const name = `relance_e2e_${randomBytes(6).toString("hex")}`;
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  await client.query(`CREATE DATABASE ${name}`);
  await client.end();
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const dropper = new pg.Client({ connectionString: admin });
      await dropper.connect();
      await dropper.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await dropper.end();
    },
  };
}

export interface SystemOptions {
  readonly engine: Engine;
  /** Length of a policy day in ms. */
  readonly dayMs: number;
  /** Send through the fake SendGrid (default) or the local outbox plugin. */
  readonly channel?: "sendgrid" | "outbox";
  readonly temporal?: TestWorkflowEnvironment;
  readonly env?: Record<string, string>;
  /** Run a worker in this process (default). Off when a test runs workers in their own processes. */
  readonly worker?: boolean;
}

export interface System {
  readonly runtime: Runtime;
  readonly temporal: TestWorkflowEnvironment;
  readonly sendgrid: FakeSendGrid;
  readonly api: ReturnType<typeof createApi>;
  readonly dataDir: string;
  readonly databaseUrl: string | undefined;
  readonly tenant: { id: string; apiKey: string };
  /** Creates another tenant with its own key. */
  createTenant(slug: string): Promise<{ id: string; apiKey: string }>;
  /** An API request with the tenant's key (or another one). */
  request(path: string, init?: RequestInit & { apiKey?: string | null }): Promise<Response>;
  importCsv(csv: string, options?: { apiKey?: string; query?: string }): Promise<Response>;
  startWorker(): Promise<void>;
  stopWorker(): Promise<void>;
  close(): Promise<void>;
}

export async function startSystem(options: SystemOptions): Promise<System> {
  const ownTemporal = !options.temporal;
  const temporal = options.temporal ?? (await startTemporal());
  const sendgrid = await startFakeSendGrid();
  const dataDir = await mkdtemp(join(tmpdir(), "relance-e2e-"));
  const postgres = options.engine === "postgres" ? await createPostgresDatabase() : undefined;
  const env = loadEnv({
    RELANCE_DATA_DIR: dataDir,
    RELANCE_SECRET_KEY: `test:${randomBytes(32).toString("base64")}`,
    RELANCE_LOG_LEVEL: "warn",
    RELANCE_LOG_FORMAT: "json",
    TEMPORAL_TASK_QUEUE: `relance-test-${randomUUID()}`,
    ...(postgres ? { DATABASE_URL: postgres.url } : {}),
    ...((options.channel ?? "sendgrid") === "sendgrid"
      ? {
          SENDGRID_API_KEY: "SG.test-key",
          SENDGRID_BASE_URL: sendgrid.url,
          SENDGRID_FROM_EMAIL: "reminders@acme.example",
          SENDGRID_WEBHOOK_PUBLIC_KEY: sendgrid.publicKey,
        }
      : {}),
    ...options.env,
  });
  const logger = createLogger({ level: "warn", format: "json" });
  const runtime = await createRuntime({ env, logger, devMode: false, temporalAddress: temporal.address, dayMs: options.dayMs });
  const api = createApi(runtime.apiServices);

  let worker: Worker | undefined;
  let running: Promise<void> | undefined;
  const system: System = {
    runtime,
    temporal,
    sendgrid,
    api,
    dataDir,
    databaseUrl: postgres?.url,
    tenant: { id: "", apiKey: "" },
    async createTenant(slug) {
      const tenant = await runtime.store.createTenant({
        name: `Acme ${slug}`,
        slug,
        defaultLanguage: "en",
        senderName: "Acme AR",
        senderEmail: `ar@${slug}.example`,
      });
      await runtime.syncPolicies(tenant.id);
      const { key } = await runtime.store.createApiKey(tenant.id, "test");
      return { id: tenant.id, apiKey: key };
    },
    request(path, init = {}) {
      const { apiKey, ...rest } = init;
      const headers = new Headers(rest.headers);
      const key = apiKey === undefined ? system.tenant.apiKey : apiKey;
      if (key !== null) headers.set("authorization", `Bearer ${key}`);
      return Promise.resolve(api.request(path, { ...rest, headers }));
    },
    importCsv(csv, importOptions = {}) {
      return system.request(`/v1/imports${importOptions.query ? `?${importOptions.query}` : ""}`, {
        method: "POST",
        headers: { "content-type": "text/csv" },
        body: csv,
        ...(importOptions.apiKey ? { apiKey: importOptions.apiKey } : {}),
      });
    },
    async startWorker() {
      worker = await createRelanceWorker({
        connection: temporal.nativeConnection,
        namespace: "default",
        taskQueue: runtime.taskQueue,
        dependencies: runtime.activityDependencies,
      });
      running = worker.run();
    },
    async stopWorker() {
      worker?.shutdown();
      await running;
      worker = undefined;
      running = undefined;
    },
    async close() {
      await system.stopWorker().catch(() => undefined);
      await runtime.close();
      await sendgrid.close();
      if (ownTemporal) await temporal.teardown();
      await postgres?.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  Object.assign(system.tenant, await system.createTenant("acme"));
  if (options.worker ?? true) await system.startWorker();
  return system;
}

/** Polls `check` until it returns a value (not undefined), or fails with `what` after `timeoutMs`. */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 60_000,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((wait) => setTimeout(wait, intervalMs));
  }
}
