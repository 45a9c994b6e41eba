/**
 * A Temporal Schedule per ledger connection runs its sync on an interval. Overlapping runs are skipped
 * (a slow sync is never doubled), missed runs during an outage collapse into one. "Sync now" triggers
 * the schedule; a connection waiting for re-authorisation has its schedule paused.
 */
import { type ConnectionSyncInput, connectionSyncId } from "@relance/workflows";
import { type Client, ScheduleNotFoundError, ScheduleOverlapPolicy } from "@temporalio/client";

export interface SyncSchedules {
  ensure(tenantId: string, connectionId: string, everyMinutes: number): Promise<void>;
  trigger(tenantId: string, connectionId: string): Promise<void>;
  pause(tenantId: string, connectionId: string, note: string): Promise<void>;
  resume(tenantId: string, connectionId: string): Promise<void>;
  remove(tenantId: string, connectionId: string): Promise<void>;
}

export function createSyncSchedules(client: Client, taskQueue: string): SyncSchedules {
  const handle = (tenantId: string, connectionId: string) => client.schedule.getHandle(connectionSyncId(tenantId, connectionId));
  const ignoreMissing = (error: unknown) => {
    if (!(error instanceof ScheduleNotFoundError)) throw error;
  };
  return {
    async ensure(tenantId, connectionId, everyMinutes) {
      const scheduleId = connectionSyncId(tenantId, connectionId);
      const input: ConnectionSyncInput = { tenantId, connectionId };
      const spec = { intervals: [{ every: `${everyMinutes} minutes` as const }] };
      try {
        await client.schedule.create({
          scheduleId,
          spec,
          action: { type: "startWorkflow", workflowType: "connectionSync", args: [input], taskQueue, workflowId: scheduleId },
          policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: "1 minute" },
          state: { note: "ledger sync" },
        });
      } catch (error) {
        if ((error as { name?: string }).name !== "ScheduleAlreadyRunning") throw error;
        await handle(tenantId, connectionId).update((previous) => ({ ...previous, spec }));
      }
    },
    async trigger(tenantId, connectionId) {
      await handle(tenantId, connectionId).trigger(ScheduleOverlapPolicy.BUFFER_ONE);
    },
    async pause(tenantId, connectionId, note) {
      await handle(tenantId, connectionId).pause(note).catch(ignoreMissing);
    },
    async resume(tenantId, connectionId) {
      await handle(tenantId, connectionId).unpause("re-authorised").catch(ignoreMissing);
    },
    async remove(tenantId, connectionId) {
      await handle(tenantId, connectionId).delete().catch(ignoreMissing);
    },
  };
}
