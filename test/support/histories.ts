/** Recorded workflow histories, replayed on every test run so a change that breaks running cases fails CI. */
import { mkdir, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { workflowsPath } from "@relance/workflows";
import type { Client } from "@temporalio/client";
import { historyToJSON } from "@temporalio/common/lib/proto-utils";
import { Worker } from "@temporalio/worker";

type ReplayInput = Parameters<typeof Worker.runReplayHistories>[1];

export const historiesDir = fileURLToPath(new URL("../histories/", import.meta.url));

/** Saves the histories of the given workflows when RELANCE_RECORD_HISTORIES names this scenario. */
export async function recordHistories(client: Client, scenario: string, workflowIds: readonly string[]): Promise<void> {
  if (process.env.RELANCE_RECORD_HISTORIES !== scenario) return;
  await mkdir(historiesDir, { recursive: true });
  for (const [index, workflowId] of workflowIds.entries()) {
    const history = await client.workflow.getHandle(workflowId).fetchHistory();
    await writeFile(`${historiesDir}${scenario}-${index + 1}.json`, `${historyToJSON(history)}\n`);
  }
}

/** Replays histories against today's workflow code: "id: why" for each that fails. */
export async function replayFailuresOf(histories: ReplayInput): Promise<string[]> {
  const failures: string[] = [];
  for await (const result of Worker.runReplayHistories({ workflowsPath }, histories)) {
    if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
  }
  return failures;
}

/** Replays the current histories of these running or closed workflows (see replayFailuresOf). */
export async function replayFailures(client: Client, workflowIds: readonly string[]): Promise<string[]> {
  return replayFailuresOf(
    await Promise.all(
      workflowIds.map(async (workflowId) => ({
        workflowId,
        history: await client.workflow.getHandle(workflowId).fetchHistory(),
      })),
    ),
  );
}
