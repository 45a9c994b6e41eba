/**
 * The Temporal dev server is stopped mid-ladder and started again on the same SQLite file: the ladder
 * continues where it was, with no step lost or repeated.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRelanceWorker } from "@relance/workflows";
import type { TestWorkflowEnvironment } from "@temporalio/testing";
import { afterAll, describe, expect, it } from "vitest";
import { ledgerCsv } from "../support/ledger";
import { eventually, type System, startSystem } from "../support/system";
import { startTemporal } from "../support/temporal";

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once("error", fail);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => done(typeof address === "object" && address ? address.port : 0));
    });
  });
}

describe("a Temporal server restart mid-ladder", () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  });

  it("continues the ladder with no step lost or repeated", async () => {
    const dir = await mkdtemp(join(tmpdir(), "relance-temporal-"));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const dbFilename = join(dir, "temporal.sqlite");
    const port = await freePort();
    let temporal: TestWorkflowEnvironment = await startTemporal({ dbFilename, port });
    const first = temporal;
    let firstStopped = false;
    cleanups.push(async () => {
      if (!firstStopped) await first.teardown();
    });
    const system: System = await startSystem({ engine: "pglite", dayMs: 2000, temporal });
    cleanups.push(() => system.close());
    const steps = () =>
      system.sendgrid.messages.filter((mail) => mail.to.includes("r@debtors.example")).map((mail) => mail.subject);

    expect((await system.importCsv(ledgerCsv([{ debtor: "R", invoice: "R-1", amount: "99.00", dueInDays: 2 }]))).status).toBe(
      201,
    );
    await eventually("the pre-due reminder", () => (steps().length === 1 ? true : undefined), 30_000);

    await system.stopWorker();
    await temporal.teardown();
    firstStopped = true;
    await new Promise((wait) => setTimeout(wait, 2000));
    temporal = await startTemporal({ dbFilename, port });
    const second = temporal;
    cleanups.push(() => second.teardown());
    const worker = await createRelanceWorker({
      connection: temporal.nativeConnection,
      namespace: "default",
      taskQueue: system.runtime.taskQueue,
      dependencies: system.runtime.activityDependencies,
    });
    const running = worker.run();
    cleanups.push(async () => {
      worker.shutdown();
      await running;
    });

    await eventually("the rest of the ladder", () => (steps().length >= 3 ? true : undefined), 60_000);
    // Past the last step's time: nothing else may arrive.
    await new Promise((wait) => setTimeout(wait, 3000));
    expect(steps()).toHaveLength(3);
    expect(steps()[0]).toContain("falling due soon");
    expect(steps()[1]).toContain("payment reminder");
    expect(steps()[2]).toContain("second reminder");
  });
});
