/**
 * Every committed history replays against today's workflow code. A change to workflow code that would
 * break a running case (a new timer, a reordered activity) fails here: version it with `patched()`.
 */
import { readdir, readFile } from "node:fs/promises";
import { workflowsPath } from "@relance/workflows";
import { historyFromJSON } from "@temporalio/common/lib/proto-utils";
import { Worker } from "@temporalio/worker";
import { describe, expect, it } from "vitest";
import { historiesDir } from "./support/histories";

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
    const failures: string[] = [];
    for await (const result of Worker.runReplayHistories({ workflowsPath }, histories)) {
      if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
    }
    expect(failures).toEqual([]);
  });

  it("detects a change that would break a running case", async () => {
    const file = (await readdir(historiesDir)).find((name) => name.startsWith("ladder-"));
    if (!file) throw new Error("no ladder history recorded");
    const history = historyFromJSON(JSON.parse(await readFile(`${historiesDir}${file}`, "utf8")));
    // Drop the first activity the workflow scheduled: the code now does something the history did not.
    const events = history.events ?? [];
    const index = events.findIndex((event) => event.activityTaskScheduledEventAttributes);
    expect(index).toBeGreaterThan(0);
    const tampered = { ...history, events: events.filter((_, position) => position < index) };
    tampered.events.push(
      ...events
        .slice(index + 1)
        .filter((event) => !event.activityTaskStartedEventAttributes && !event.activityTaskCompletedEventAttributes),
    );
    await expect(Worker.runReplayHistory({ workflowsPath }, tampered)).rejects.toThrow();
  });
});
