/**
 * Intuit webhooks: `intuit-signature` is base64(HMAC-SHA256(verifier token, raw body)). The body is a
 * JSON array of CloudEvents (`qbo.invoice.updated.v1`, one POST may span several companies); the legacy
 * `{eventNotifications: [...]}` form, retired in 2026, is still read.
 * https://developer.intuit.com/app/developer/qbo/docs/develop/webhooks/managing-webhooks-notifications
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { type LedgerChange, RelanceError, type WebhookRequest } from "@relance/core";
import { z } from "zod";

export const SIGNATURE_HEADER = "intuit-signature";

const KIND_OF_ENTITY: Readonly<Record<string, LedgerChange["kind"]>> = {
  invoice: "invoice",
  customer: "contact",
  payment: "payment",
  creditmemo: "credit_note",
};

const cloudEventSchema = z
  .object({
    specversion: z.string(),
    id: z.string().min(1),
    type: z.string(),
    time: z.string().optional(),
    intuitentityid: z.string().min(1).optional(),
    intuitaccountid: z.string().min(1).optional(),
  })
  .loose();

const legacySchema = z.object({
  eventNotifications: z.array(
    z
      .object({
        realmId: z.string().min(1),
        dataChangeEvent: z
          .object({
            entities: z.array(
              z
                .object({ name: z.string(), id: z.string().min(1), operation: z.string(), lastUpdated: z.string().optional() })
                .loose(),
            ),
          })
          .loose(),
      })
      .loose(),
  ),
});

const unauthorized = (message: string) => new RelanceError("unauthorized", message);
const malformed = (message: string) =>
  new RelanceError("validation_failed", `Intuit webhook ${message}`, { issues: [{ message }] });

function header(headers: Readonly<Record<string, string>>, name: string): string | undefined {
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === name) return value;
  return undefined;
}

export function signIntuitPayload(verifierToken: string, rawBody: Uint8Array | string): string {
  return createHmac("sha256", verifierToken).update(rawBody).digest("base64");
}

/** Fails closed: no verifier token configured, no header, or a signature that differs. */
export function verifyIntuitSignature(verifierToken: string | undefined, request: WebhookRequest): void {
  if (verifierToken === undefined) throw unauthorized("Intuit webhook verifier token is not configured");
  const signature = header(request.headers, SIGNATURE_HEADER)?.trim();
  if (!signature) throw unauthorized("Intuit webhook signature header is missing");
  const expected = Buffer.from(signIntuitPayload(verifierToken, request.rawBody), "base64");
  const given = Buffer.from(signature, "base64");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw unauthorized("Intuit webhook signature is invalid");
  }
}

function occurred(text: string | undefined): Date | undefined {
  if (text === undefined) return undefined;
  const at = new Date(text);
  return Number.isNaN(at.getTime()) ? undefined : at;
}

function fromCloudEvents(events: readonly unknown[]): LedgerChange[] {
  const changes: LedgerChange[] = [];
  events.forEach((raw, index) => {
    const parsed = cloudEventSchema.safeParse(raw);
    if (!parsed.success) throw malformed(`event ${index} is not a CloudEvent`);
    const event = parsed.data;
    // "qbo.invoice.updated.v1": the entity is the second segment.
    const entity = /^qbo\.([a-z]+)\.[a-z]+\.v\d+$/i.exec(event.type)?.[1]?.toLowerCase();
    const kind = entity === undefined ? undefined : KIND_OF_ENTITY[entity];
    if (kind === undefined) return;
    if (event.intuitentityid === undefined || event.intuitaccountid === undefined) {
      throw malformed(`event ${index} names no entity or company`);
    }
    const occurredAt = occurred(event.time);
    changes.push({
      providerEventId: event.id,
      accountId: event.intuitaccountid,
      kind,
      externalId: event.intuitentityid,
      ...(occurredAt ? { occurredAt } : {}),
    });
  });
  return changes;
}

function fromLegacy(body: z.infer<typeof legacySchema>): LedgerChange[] {
  return body.eventNotifications.flatMap((notification) =>
    notification.dataChangeEvent.entities.flatMap((entity): LedgerChange[] => {
      const kind = KIND_OF_ENTITY[entity.name.toLowerCase()];
      if (kind === undefined) return [];
      const occurredAt = occurred(entity.lastUpdated);
      return [
        {
          // The legacy format has no event id; this tuple is what Intuit re-delivers identically.
          providerEventId: `${notification.realmId}:${entity.name}:${entity.id}:${entity.operation}:${entity.lastUpdated ?? ""}`,
          accountId: notification.realmId,
          kind,
          externalId: entity.id,
          ...(occurredAt ? { occurredAt } : {}),
        },
      ];
    }),
  );
}

export function parseIntuitEvents(rawBody: Uint8Array): LedgerChange[] {
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(rawBody.buffer, rawBody.byteOffset, rawBody.byteLength).toString("utf8"));
  } catch {
    throw malformed("body is not JSON");
  }
  if (Array.isArray(body)) return fromCloudEvents(body);
  const legacy = legacySchema.safeParse(body);
  if (legacy.success) return fromLegacy(legacy.data);
  throw malformed("body is neither CloudEvents nor eventNotifications");
}

export function receiveIntuitWebhook(verifierToken: string | undefined, request: WebhookRequest): LedgerChange[] {
  verifyIntuitSignature(verifierToken, request);
  return parseIntuitEvents(request.rawBody);
}
