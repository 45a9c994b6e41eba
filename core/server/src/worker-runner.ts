import { createRelanceWorker } from "@relance/workflows";
import { DefaultLogger, NativeConnection, Runtime as SdkRuntime, type Worker } from "@temporalio/worker";
import type { Runtime } from "./runtime";
import { temporalConnectionOptions } from "./temporal-connection";

let sdkRuntimeInstalled = false;

/**
 * The SDK's process-wide runtime: its logs go through ours (warnings and up), and it leaves SIGINT and
 * SIGTERM to our shutdown sequence instead of draining the worker on its own.
 */
function installSdkRuntime(runtime: Runtime): void {
  if (sdkRuntimeInstalled) return;
  sdkRuntimeInstalled = true;
  const log = runtime.logger.child({ component: "temporal-sdk" });
  SdkRuntime.install({
    shutdownSignals: [],
    logger: new DefaultLogger("WARN", (entry) => {
      const fields = { ...(entry.meta ?? {}) };
      if (entry.level === "ERROR") log.error(fields, entry.message);
      else log.warn(fields, entry.message);
    }),
  });
}

export async function createWorkerFor(
  runtime: Runtime,
  address: string,
): Promise<{ worker: Worker; connection: NativeConnection }> {
  installSdkRuntime(runtime);
  const options = await temporalConnectionOptions(runtime.env, address);
  const connection = await NativeConnection.connect({
    address: options.address ?? address,
    ...(options.tls ? { tls: options.tls } : {}),
    ...(options.apiKey && typeof options.apiKey === "string" ? { apiKey: options.apiKey } : {}),
  });
  const worker = await createRelanceWorker({
    connection,
    namespace: runtime.env.TEMPORAL_NAMESPACE,
    taskQueue: runtime.taskQueue,
    dependencies: runtime.activityDependencies,
  });
  return { worker, connection };
}
