/** The Relance worker: our workflows and activities on one task queue. */
import { fileURLToPath } from "node:url";
import { type NativeConnection, Worker, type WorkerOptions } from "@temporalio/worker";
import { createActivities } from "./activities";
import type { ActivityDependencies } from "./activities/ports";

export const workflowsPath = fileURLToPath(new URL("./workflows/index.ts", import.meta.url));

export interface RelanceWorkerOptions {
  readonly connection: NativeConnection;
  readonly namespace: string;
  readonly taskQueue: string;
  readonly dependencies: ActivityDependencies;
  /** Passed through to the SDK (cache size, concurrency…), mostly for tests and benchmarks. */
  readonly tuning?: Partial<
    Pick<WorkerOptions, "maxCachedWorkflows" | "maxConcurrentActivityTaskExecutions" | "maxConcurrentWorkflowTaskExecutions">
  >;
}

export function createRelanceWorker(options: RelanceWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    workflowsPath,
    bundlerOptions: { preloadModules: ["@relance/core/workflow"] },
    activities: createActivities(options.dependencies),
    ...options.tuning,
  });
}
