/**
 * The SendGrid Event Webhook: an ECDSA (P-256, SHA-256) signature over `timestamp + raw body`, then a
 * JSON array of events whose custom args sit flattened among the event fields.
 */
import { type ChannelEvent, type DeliveryStatus, type Issue, RelanceError, type WebhookRequest } from "@relance/core";
import { EventWebhook } from "@sendgrid/eventwebhook";
import { z } from "zod";

export const SIGNATURE_HEADER = "x-twilio-email-event-webhook-signature";
export const TIMESTAMP_HEADER = "x-twilio-email-event-webhook-timestamp";

/** Our message id, sent as a custom arg so events find their message again. */
export const MESSAGE_ID_ARG = "relance_message_id";

const STATUS_OF: Readonly<Record<string, DeliveryStatus>> = {
  delivered: "delivered",
  bounce: "bounced",
  dropped: "dropped",
  deferred: "deferred",
  open: "opened",
};

const eventSchema = z.object({
  event: z.string(),
  timestamp: z.number().int().nonnegative(),
  sg_event_id: z.string().min(1).optional(),
  sg_message_id: z.string().min(1).optional(),
  [MESSAGE_ID_ARG]: z.string().min(1).optional(),
  reason: z.string().optional(),
  response: z.string().optional(),
});

function header(headers: Readonly<Record<string, string>>, name: string): string | undefined {
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === name) return value;
  return undefined;
}

const unauthorized = (message: string) => new RelanceError("unauthorized", message);

export type EventVerifier = (payload: string, signature: string, timestamp: string) => boolean;

/** Builds the verifier for a configured key; a key that cannot be read refuses everything. */
export function eventVerifier(publicKey: string | undefined, onUnreadableKey: () => void): EventVerifier | undefined {
  if (publicKey === undefined) return undefined;
  const webhook = new EventWebhook();
  let key: ReturnType<EventWebhook["convertPublicKeyToECDSA"]>;
  try {
    key = webhook.convertPublicKeyToECDSA(publicKey.trim());
  } catch {
    onUnreadableKey();
    return () => false;
  }
  return (payload, signature, timestamp) => {
    try {
      return webhook.verifySignature(key, payload, signature, timestamp);
    } catch {
      // A signature that is not even base64 DER is simply not valid.
      return false;
    }
  };
}

export interface VerifyOptions {
  readonly verify: EventVerifier | undefined;
  readonly toleranceSeconds: number;
}

/** Checks signature and replay window; returns the body as text. Throws "unauthorized" otherwise. */
export function verifyEventRequest(request: WebhookRequest, options: VerifyOptions): string {
  // Fail closed: without a verification key nobody can prove the events come from SendGrid.
  if (options.verify === undefined) throw unauthorized("SendGrid event webhook verification key is not configured");
  const signature = header(request.headers, SIGNATURE_HEADER);
  const timestamp = header(request.headers, TIMESTAMP_HEADER);
  if (!signature || !timestamp) throw unauthorized("SendGrid event webhook signature or timestamp header is missing");
  if (!/^\d{1,12}$/.test(timestamp)) throw unauthorized("SendGrid event webhook timestamp is not a Unix time");
  const skewSeconds = Math.abs(request.receivedAt.getTime() / 1000 - Number(timestamp));
  if (skewSeconds > options.toleranceSeconds) {
    throw unauthorized("SendGrid event webhook timestamp is outside the accepted window");
  }
  const body = Buffer.from(request.rawBody.buffer, request.rawBody.byteOffset, request.rawBody.byteLength).toString("utf8");
  if (!options.verify(body, signature, timestamp)) throw unauthorized("SendGrid event webhook signature is invalid");
  return body;
}

/** Maps a verified delivery to channel events; events we do not track (processed, click…) are skipped. */
export function mapEvents(body: string): ChannelEvent[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new RelanceError("validation_failed", "SendGrid event webhook body is not JSON", {
      issues: [{ message: "malformed JSON" }],
    });
  }
  if (!Array.isArray(parsed)) {
    throw new RelanceError("validation_failed", "SendGrid event webhook body is not an array of events", {
      issues: [{ message: "expected a JSON array" }],
    });
  }
  const events: ChannelEvent[] = [];
  const issues: Issue[] = [];
  parsed.forEach((raw: unknown, index) => {
    const kind = typeof raw === "object" && raw !== null && "event" in raw ? raw.event : undefined;
    if (typeof kind !== "string" || !(kind in STATUS_OF)) {
      if (typeof kind !== "string") issues.push({ path: `${index}.event`, message: "missing event type" });
      return;
    }
    const result = eventSchema.safeParse(raw);
    if (!result.success) {
      for (const issue of result.error.issues) issues.push({ path: [index, ...issue.path].join("."), message: issue.message });
      return;
    }
    const event = result.data;
    const status = STATUS_OF[event.event] as DeliveryStatus;
    const externalId = event.sg_message_id?.split(".")[0];
    const detail = event.reason || event.response;
    events.push({
      // sg_event_id is missing on some legacy events; the composite is what SendGrid re-delivers identically.
      providerEventId: event.sg_event_id ?? `${event.sg_message_id ?? "unknown"}:${event.event}:${event.timestamp}`,
      messageId: event[MESSAGE_ID_ARG],
      externalId: externalId || undefined,
      status,
      occurredAt: new Date(event.timestamp * 1000),
      ...(detail ? { detail } : {}),
    });
  });
  if (issues.length > 0) throw new RelanceError("validation_failed", "SendGrid event webhook events are malformed", { issues });
  return events;
}
