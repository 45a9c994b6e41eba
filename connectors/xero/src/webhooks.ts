/**
 * Xero webhooks: `x-xero-signature` = base64(HMAC-SHA256(webhook key, raw body)), checked in constant
 * time before anything is parsed. Intent-to-receive deliveries carry no events and give [].
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { type LedgerChange, RelanceError, type WebhookRequest } from "@relance/core";
import { z } from "zod";

export const SIGNATURE_HEADER = "x-xero-signature";

const KIND: Readonly<Record<string, LedgerChange["kind"]>> = {
  INVOICE: "invoice",
  CONTACT: "contact",
  CREDITNOTE: "credit_note",
};

const payloadSchema = z.object({
  events: z.array(
    z.object({
      resourceId: z.string().min(1),
      eventDateUtc: z.string().min(1),
      eventType: z.string().min(1),
      eventCategory: z.string().min(1),
      tenantId: z.string().min(1),
      resourceUrl: z.string().optional(),
      tenantType: z.string().optional(),
    }),
  ),
  firstEventSequence: z.number().optional(),
  lastEventSequence: z.number().optional(),
  entropy: z.string().optional(),
});

const unauthorized = (message: string) => new RelanceError("unauthorized", message);

function header(headers: Readonly<Record<string, string>>, name: string): string | undefined {
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === name) return value;
  return undefined;
}

export function verifySignature(webhookKey: string | undefined, request: WebhookRequest): void {
  // Fail closed: without the key nothing proves a delivery comes from Xero.
  if (!webhookKey) throw unauthorized("the Xero webhook key is not configured");
  const signature = header(request.headers, SIGNATURE_HEADER);
  if (!signature) throw unauthorized("the Xero webhook signature header is missing");
  const expected = createHmac("sha256", webhookKey).update(request.rawBody).digest();
  const given = Buffer.from(signature.trim(), "base64");
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    throw unauthorized("the Xero webhook signature is invalid");
}

export function providerEventId(event: {
  tenantId: string;
  eventCategory: string;
  resourceId: string;
  eventDateUtc: string;
  eventType: string;
}): string {
  return createHash("sha256")
    .update([event.tenantId, event.eventCategory, event.resourceId, event.eventDateUtc, event.eventType].join("\n"))
    .digest("hex");
}

export function receiveWebhook(webhookKey: string | undefined, request: WebhookRequest): LedgerChange[] {
  verifySignature(webhookKey, request);
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(request.rawBody).toString("utf8"));
  } catch {
    throw new RelanceError("validation_failed", "the Xero webhook body is not JSON", { issues: [{ message: "malformed JSON" }] });
  }
  const parsed = payloadSchema.safeParse(json);
  if (!parsed.success) {
    throw new RelanceError("validation_failed", "the Xero webhook body is not a Xero event payload", {
      issues: parsed.error.issues.map((issue) => ({ path: issue.path.join("."), message: issue.message })),
    });
  }
  return parsed.data.events.flatMap((event): LedgerChange[] => {
    const kind = KIND[event.eventCategory.toUpperCase()];
    if (!kind) return [];
    const occurredAt = new Date(event.eventDateUtc);
    return [
      {
        providerEventId: providerEventId(event),
        accountId: event.tenantId,
        kind,
        externalId: event.resourceId,
        ...(Number.isNaN(occurredAt.getTime()) ? {} : { occurredAt }),
      },
    ];
  });
}
