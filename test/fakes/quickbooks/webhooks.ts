/**
 * Intuit webhook deliveries: a JSON array of CloudEvents, signed with the app's verifier token in
 * `intuit-signature` = base64(HMAC-SHA256(verifier token, raw body)).
 */
import { createHmac, randomUUID } from "node:crypto";

export interface FakeWebhookEvent {
  /** "invoice", "customer", "payment", "creditmemo"… */
  readonly entity: string;
  readonly id: string;
  readonly operation?: "created" | "updated" | "deleted" | "voided" | "merged";
  readonly realmId: string;
  readonly eventId?: string;
  readonly time?: Date;
}

export interface SignedWebhook {
  readonly headers: Record<string, string>;
  readonly body: string;
}

export function signWebhookBody(verifierToken: string, body: string | Uint8Array): string {
  return createHmac("sha256", verifierToken).update(body).digest("base64");
}

export function cloudEvents(events: readonly FakeWebhookEvent[], now: Date) {
  return events.map((event) => ({
    specversion: "1.0",
    id: event.eventId ?? randomUUID(),
    source: "intuit.dsnBgbseACLLRZNxo2dfc4evmEJdxde58xeeYcZliOU=",
    type: `qbo.${event.entity.toLowerCase()}.${event.operation ?? "updated"}.v1`,
    datacontenttype: "application/json",
    time: (event.time ?? now).toISOString(),
    intuitentityid: event.id,
    intuitaccountid: event.realmId,
    data: {},
  }));
}
