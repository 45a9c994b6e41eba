/** Long-running commands: start (everything), worker, api. Ctrl-C shuts each part down in order. */
import { join } from "node:path";
import { serve } from "@hono/node-server";
import { type Env, loadEnv } from "@relance/config";
import type { Worker } from "@temporalio/worker";
import { createApi } from "../api/app";
import { ensureDemo } from "../demo";
import { type DevServer, startDevServer } from "../dev-server";
import { type AppLogger, createLogger } from "../logger";
import { createRuntime, dayMsFrom, type Runtime } from "../runtime";
import { createWorkerFor } from "../worker-runner";

type Stopper = () => Promise<void>;

function onShutdown(logger: AppLogger, stoppers: Stopper[]): void {
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) {
      logger.warn("forced exit");
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, "shutting down (Ctrl-C again to force)");
    for (const stopper of stoppers.toReversed()) {
      await stopper().catch((error: unknown) => logger.error({ err: error }, "error during shutdown"));
    }
    logger.info("stopped");
    process.exit(0);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
}

function loggerFor(env: Env): AppLogger {
  return createLogger({ level: env.RELANCE_LOG_LEVEL, format: env.RELANCE_LOG_FORMAT });
}

function startHttp(runtime: Runtime, stoppers: Stopper[]): Promise<string> {
  const { env } = runtime;
  const app = createApi(runtime.apiServices);
  return new Promise((ready) => {
    const server = serve({ fetch: app.fetch, hostname: env.RELANCE_API_HOST, port: env.RELANCE_API_PORT }, (info) =>
      ready(`http://${env.RELANCE_API_HOST}:${info.port}`),
    );
    stoppers.push(() => new Promise<void>((done) => server.close(() => done())));
  });
}

async function startWorker(runtime: Runtime, address: string, stoppers: Stopper[]): Promise<Worker> {
  const { worker, connection } = await createWorkerFor(runtime, address);
  const running = worker.run();
  stoppers.push(async () => {
    worker.shutdown();
    await running;
    await connection.close();
  });
  running.catch((error: unknown) => {
    runtime.logger.fatal({ err: error }, "the worker stopped");
    process.exit(1);
  });
  return worker;
}

/** The demo plays the French B2B ladder (letters, a call, registered letters, formal notice, agency) fast. */
const DEMO_POLICY = "fr-b2b";
const DEMO_DAY_SECONDS = 2;

export async function runStart(options: { demo: boolean }): Promise<void> {
  const loaded = loadEnv();
  const env = options.demo && process.env.RELANCE_POLICY === undefined ? { ...loaded, RELANCE_POLICY: DEMO_POLICY } : loaded;
  const logger = loggerFor(env);
  const stoppers: Stopper[] = [];
  onShutdown(logger, stoppers);
  let devServer: DevServer | undefined;
  let address = env.TEMPORAL_ADDRESS;
  if (!address) {
    logger.info("starting the Temporal dev server");
    devServer = await startDevServer({
      dataDir: env.RELANCE_DATA_DIR,
      port: env.RELANCE_TEMPORAL_PORT,
      uiPort: env.RELANCE_TEMPORAL_UI_PORT,
      namespace: env.TEMPORAL_NAMESPACE,
      logger,
    });
    stoppers.push(() => devServer?.stop() ?? Promise.resolve());
    address = devServer.address;
  }
  const runtime = await createRuntime({
    env,
    logger,
    devMode: env.RELANCE_DEV_MODE ?? true,
    temporalAddress: address,
    dayMs: dayMsFrom(env, options.demo ? DEMO_DAY_SECONDS : undefined),
  });
  stoppers.push(() => runtime.close());
  await startWorker(runtime, address, stoppers);
  const apiUrl = await startHttp(runtime, stoppers);
  const lines = [
    "",
    "Relance is running.",
    `  API             ${apiUrl}   (reference: ${apiUrl}/docs, OpenAPI: ${apiUrl}/openapi.json)`,
    devServer
      ? `  Temporal Web UI ${devServer.uiUrl}/namespaces/${env.TEMPORAL_NAMESPACE}/workflows`
      : `  Temporal        ${address}`,
    `  Outbox (emails) ${join(runtime.dataDir, "outbox")}${env.SENDGRID_API_KEY ? " (unused: SendGrid is configured)" : ""}`,
    `  Letters         ${join(runtime.dataDir, "outbox", "letters")}   Agency claims ${join(runtime.dataDir, "agency", "claims")}`,
    `  Policy          ${env.RELANCE_POLICY} (and its variants)`,
    runtime.dayMs === 86_400_000
      ? "  Time            real days"
      : `  Time            one policy day lasts ${runtime.dayMs / 1000} s`,
  ];
  if (options.demo) {
    const demo = await ensureDemo(runtime);
    lines.push(
      `  Demo tenant     API key ${demo.apiKey}${demo.imported ? "  (demo ledger imported now)" : ""}`,
      `  Try             curl -s -H "Authorization: Bearer ${demo.apiKey}" ${apiUrl}/v1/debtors`,
    );
  }
  lines.push("Press Ctrl-C to stop.", "");
  console.log(lines.join("\n"));
}

export async function runWorker(): Promise<void> {
  const env = loadEnv();
  const logger = loggerFor(env);
  const stoppers: Stopper[] = [];
  onShutdown(logger, stoppers);
  const address = env.TEMPORAL_ADDRESS ?? "localhost:7233";
  const runtime = await createRuntime({
    env,
    logger,
    devMode: env.RELANCE_DEV_MODE ?? false,
    temporalAddress: address,
    dayMs: dayMsFrom(env),
  });
  stoppers.push(() => runtime.close());
  await startWorker(runtime, address, stoppers);
  logger.info({ address, taskQueue: runtime.taskQueue }, "worker running");
}

export async function runApi(): Promise<void> {
  const env = loadEnv();
  const logger = loggerFor(env);
  const stoppers: Stopper[] = [];
  onShutdown(logger, stoppers);
  const address = env.TEMPORAL_ADDRESS ?? "localhost:7233";
  const runtime = await createRuntime({
    env,
    logger,
    devMode: env.RELANCE_DEV_MODE ?? false,
    temporalAddress: address,
    dayMs: dayMsFrom(env),
  });
  stoppers.push(() => runtime.close());
  logger.info({ url: await startHttp(runtime, stoppers) }, "API listening");
}
