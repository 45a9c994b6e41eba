/**
 * Exactly once across a worker crash: the worker process is SIGKILLed after SendGrid accepted a message
 * and before the activity could complete. A new worker retries the step; it must find the message at the
 * provider (by its idempotency key) instead of sending it again. Repeated for several debtors.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readJson } from "../support/json";
import { ledgerCsv } from "../support/ledger";
import { eventually, type System, startSystem } from "../support/system";
import { spawnWorker, type WorkerProcess } from "../support/worker-process";

describe("a worker killed mid-send", () => {
  let system: System;
  let worker: WorkerProcess | undefined;

  beforeAll(async () => {
    system = await startSystem({ engine: "postgres", dayMs: 2000, worker: false });
  });
  afterAll(async () => {
    await worker?.kill();
    await system?.close();
  });

  function startWorkerProcess(): WorkerProcess {
    const { env } = system.runtime;
    return spawnWorker({
      DATABASE_URL: system.databaseUrl ?? "",
      RELANCE_DATA_DIR: system.dataDir,
      RELANCE_SECRET_KEY: env.RELANCE_SECRET_KEY ?? "",
      TEMPORAL_ADDRESS: system.temporal.address,
      TEMPORAL_TASK_QUEUE: system.runtime.taskQueue,
      SENDGRID_API_KEY: env.SENDGRID_API_KEY ?? "",
      SENDGRID_BASE_URL: system.sendgrid.url,
      SENDGRID_FROM_EMAIL: env.SENDGRID_FROM_EMAIL ?? "",
    });
  }

  it.each(["K1", "K2", "K3"])("leaves exactly one message at the provider (%s)", async (debtor) => {
    const email = `${debtor.toLowerCase()}@debtors.example`;
    worker = startWorkerProcess();
    const victim = worker;
    let kills = 0;
    system.sendgrid.onMessage = async (mail) => {
      if (!mail.to.includes(email) || kills > 0) return;
      kills++;
      await victim.kill("SIGKILL");
    };
    const response = await system.importCsv(ledgerCsv([{ debtor, invoice: `${debtor}-1`, amount: "250.00", dueInDays: -2 }]));
    expect(response.status).toBe(201);
    await eventually("the provider to accept the message and the worker to die", () => (kills === 1 ? true : undefined), 60_000);
    expect(await victim.exited).toBeNull();

    worker = startWorkerProcess();
    const debtors = await readJson(await system.request("/v1/debtors?limit=100"));
    const id = debtors.items.find((item: { externalId: string }) => item.externalId === debtor)?.id;
    const view = await eventually(
      "the retried step to complete",
      async () => {
        const body = await readJson(await system.request(`/v1/debtors/${id}/case`));
        // The view reads the timeline and asks the case side by side: wait until both show the step.
        const recorded = body.timeline.some((entry: { kind: string }) => entry.kind === "message");
        return body.lastStepId === "first-reminder" && recorded ? body : undefined;
      },
      90_000,
    );
    expect(system.sendgrid.messages.filter((mail) => mail.to.includes(email))).toHaveLength(1);
    const messages = view.timeline.filter((entry: { kind: string }) => entry.kind === "message");
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({ channel: "email-sendgrid", status: "accepted" });
    await worker.kill("SIGTERM");
    worker = undefined;
  });
});
