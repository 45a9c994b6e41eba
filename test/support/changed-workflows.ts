/** Today's debtor workflow with one extra timer in front: what a careless, unversioned change looks like. */
import { debtorCollection as current } from "@relance/workflows/workflows";
import { sleep } from "@temporalio/workflow";

export async function debtorCollection(...args: Parameters<typeof current>): Promise<void> {
  await sleep(1);
  return current(...args);
}
