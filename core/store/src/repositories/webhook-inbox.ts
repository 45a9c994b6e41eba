/** De-duplication of provider webhooks: each (provider, event id) is processed once. */
import type { Db } from "../schema";

/** Records the event; true when it is new, false when it was already received (a redelivery). */
export async function recordWebhookEvent(
  db: Db,
  provider: string,
  providerEventId: string,
  event: { tenantId?: string | null; payload: unknown },
): Promise<boolean> {
  const row = await db
    .insertInto("webhook_inbox")
    .values({
      provider,
      provider_event_id: providerEventId,
      tenant_id: event.tenantId ?? null,
      payload: JSON.stringify(event.payload ?? null),
    })
    .onConflict((conflict) => conflict.columns(["provider", "provider_event_id"]).doNothing())
    .returning("id")
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * Forgets events whose processing could not start (e.g. the workflow service was unreachable), so the
 * provider's redelivery is processed instead of being dropped as a duplicate.
 */
export async function forgetWebhookEvents(db: Db, provider: string, providerEventIds: readonly string[]): Promise<void> {
  if (providerEventIds.length === 0) return;
  await db
    .deleteFrom("webhook_inbox")
    .where("provider", "=", provider)
    .where("provider_event_id", "in", providerEventIds)
    .execute();
}
