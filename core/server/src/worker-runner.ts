import { createRelanceWorker } from "@relance/workflows";
import { NativeConnection, type Worker } from "@temporalio/worker";
import type { Runtime } from "./runtime";
import { temporalConnectionOptions } from "./temporal-connection";

export async function createWorkerFor(
  runtime: Runtime,
  address: string,
): Promise<{ worker: Worker; connection: NativeConnection }> {
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
