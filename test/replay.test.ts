/**
 * Every committed history replays against today's workflow code. A change to workflow code that would
 * break a running case (a new timer, a reordered activity) fails here: version it with `patched()`.
 */
import { readdir, readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { historyFromJSON } from "@temporalio/common/lib/proto-utils";
import { Worker } from "@temporalio/worker";
import { DeterminismViolationError } from "@temporalio/workflow";
import { describe, expect, it } from "vitest";
import { historiesDir, replayFailuresOf } from "./support/histories";

describe("recorded histories", () => {
  it("all replay without nondeterminism", async () => {
    const files = (await readdir(historiesDir)).filter((name) => name.endsWith(".json")).sort();
    expect(files.length).toBeGreaterThanOrEqual(4);
    const histories = await Promise.all(
      files.map(async (file) => ({
        workflowId: file,
        history: historyFromJSON(JSON.parse(await readFile(`${historiesDir}${file}`, "utf8"))),
      })),
    );
    expect(await replayFailuresOf(histories)).toEqual([]);
  });

  it("detects a change that would break a running case", async () => {
    const file = (await readdir(historiesDir)).find((name) => name.startsWith("ladder-"));
    if (!file) throw new Error("no ladder history recorded");
    const history = historyFromJSON(JSON.parse(await readFile(`${historiesDir}${file}`, "utf8")));
    const changed = fileURLToPath(new URL("./support/changed-workflows.ts", import.meta.url));
    await expect(Worker.runReplayHistory({ workflowsPath: changed }, history)).rejects.toBeInstanceOf(DeterminismViolationError);
  });
});
