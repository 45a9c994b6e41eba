/** Baseline for the escalation benchmark: the same timers as a ladder, and an activity that does nothing. */
import { proxyActivities, sleep } from "@temporalio/workflow";

const { noop } = proxyActivities<{ noop(step: number): Promise<void> }>({ startToCloseTimeout: "1 minute" });

export async function bareLadder(offsetsMs: readonly number[]): Promise<void> {
  const start = Date.now();
  for (const [step, offset] of offsetsMs.entries()) {
    const wait = start + offset - Date.now();
    if (wait > 0) await sleep(wait);
    await noop(step);
  }
}
