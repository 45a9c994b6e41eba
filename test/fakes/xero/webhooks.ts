/**
 * Xero webhook deliveries (xero-webhooks.yaml, developer.xero.com/documentation/webhooks): a JSON body
 * of events signed with x-xero-signature = base64(HMAC-SHA256(webhook key, raw body)).
 */
import { createHmac, randomBytes } from "node:crypto";

export type WebhookCategory = "INVOICE" | "CONTACT" | "CREDITNOTE" | "SUBSCRIPTION";

export interface WebhookEventInput {
  readonly category: WebhookCategory;
  readonly resourceId: string;
  readonly tenantId: string;
  readonly eventType?: "CREATE" | "UPDATE";
  readonly eventDateUtc?: string;
}

export interface SignedWebhook {
  readonly headers: Record<string, string>;
  readonly body: string;
  readonly rawBody: Uint8Array;
}

const RESOURCE_PATH: Record<WebhookCategory, string> = {
  INVOICE: "Invoices",
  CONTACT: "Contacts",
  CREDITNOTE: "CreditNotes",
  SUBSCRIPTION: "Subscriptions",
};

export function webhookPayload(events: readonly WebhookEventInput[], apiBaseUrl: string, sequence = 1): string {
  return JSON.stringify({
    events: events.map((event) => ({
      resourceUrl: `${apiBaseUrl}/api.xro/2.0/${RESOURCE_PATH[event.category]}/${event.resourceId}`,
      resourceId: event.resourceId,
      eventDateUtc: event.eventDateUtc ?? new Date().toISOString(),
      eventType: event.eventType ?? "UPDATE",
      eventCategory: event.category,
      tenantId: event.tenantId,
      tenantType: "ORGANISATION",
    })),
    firstEventSequence: events.length === 0 ? 0 : sequence,
    lastEventSequence: events.length === 0 ? 0 : sequence + events.length - 1,
    entropy: randomBytes(10).toString("hex").toUpperCase(),
  });
}

export function signWebhook(webhookKey: string, body: string): SignedWebhook {
  const signature = createHmac("sha256", webhookKey).update(body, "utf8").digest("base64");
  return {
    headers: { "x-xero-signature": signature, "content-type": "application/json" },
    body,
    rawBody: Buffer.from(body, "utf8"),
  };
}
