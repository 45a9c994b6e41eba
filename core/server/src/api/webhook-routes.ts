/**
 * Provider webhooks. Each request is verified by its plugin over the raw bytes (signature, timestamp
 * window, constant-time compare), de-duplicated in the inbox by provider event id, then recorded.
 */
import type { WebhookRequest } from "@relance/core";
import { type Context, Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { problem } from "./problem";
import type { ApiServices } from "./services";

/** The request as a plugin verifies it: the raw bytes its signature covers, headers in lower case. */
async function webhookRequest(c: Context): Promise<WebhookRequest> {
  const rawBody = new Uint8Array(await c.req.arrayBuffer());
  const headers: Record<string, string> = {};
  c.req.raw.headers.forEach((value, key) => {
    headers[key.toLowerCase()] = value;
  });
  return { headers, rawBody, receivedAt: new Date() };
}

export function webhookRoutes(services: ApiServices) {
  const app = new Hono();
  app.use(
    "*",
    bodyLimit({
      maxSize: services.limits.maxBodyBytes,
      onError: (c) => problem(c, 413, "payload_too_large", `webhook bodies are limited to ${services.limits.maxBodyBytes} bytes`),
    }),
  );
  app.post("/channels/:pluginId", async (c) => {
    const pluginId = c.req.param("pluginId");
    const handler = services.channelWebhooks.get(pluginId);
    if (!handler) return problem(c, 404, "not_found", `no webhook for "${pluginId}"`);
    const events = await handler.receive(await webhookRequest(c));
    let recorded = 0;
    for (const event of events) {
      const fresh = await services.store.recordWebhookEvent(pluginId, event.providerEventId, { payload: { ...event } });
      if (!fresh || !event.messageId) continue;
      if (await services.store.recordDeliveryEvent(event.messageId, event)) recorded++;
    }
    return c.json({ received: events.length, recorded }, 200);
  });
  app.post("/ledgers/:pluginId", async (c) => {
    await services.ledgers.webhooks(c.req.param("pluginId"), await webhookRequest(c));
    // Xero's intent-to-receive check wants 200 with an empty body; nothing else needs more.
    return c.body(null, 200);
  });
  return app;
}
