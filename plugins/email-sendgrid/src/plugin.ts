import {
  type ChannelPlugin,
  type Clock,
  definePlugin,
  type Logger,
  type OutboundMessage,
  RelanceError,
  type SendOptions,
  type SendResult,
} from "@relance/core";
import { Client } from "@sendgrid/client";
import { MailService } from "@sendgrid/mail";
import { z } from "zod";
import { headerValue, toRelanceError } from "./errors";
import { eventVerifier, MESSAGE_ID_ARG, mapEvents, verifyEventRequest } from "./events";
import { type SendgridConfig, type SendgridSecrets, sendgridConfigSchema, sendgridSecretsSchema } from "./settings";

export const IDEMPOTENCY_KEY_ARG = "relance_idempotency_key";
export const TENANT_ARG = "relance_tenant";

const activitySchema = z.object({
  messages: z.array(z.object({ msg_id: z.string().min(1) }).loose()),
});

/** Our own API client: the SDK's default singletons are shared by the whole process. */
function sendgridClient(config: SendgridConfig, secrets: SendgridSecrets): Client {
  const client = new Client();
  client.setApiKey(secrets.apiKey);
  // After setApiKey, which resets the base URL to SendGrid's global host.
  client.setDefaultRequest("baseUrl", config.baseUrl);
  return client;
}

/** The SendGrid payload (camelCase; the SDK turns it into the wire's snake_case). */
function mailData(message: OutboundMessage, options: SendOptions, config: SendgridConfig) {
  if (message.to.email === undefined) {
    throw new RelanceError("validation_failed", "the recipient has no email address", {
      issues: [{ path: "to.email", message: "required for email" }],
    });
  }
  const senderName = message.from.name || config.fromName;
  // The creditor's own address gets the replies when the account sends from a shared verified sender.
  const replyTo =
    message.replyTo ?? (message.from.email && message.from.email !== config.fromEmail ? message.from.email : undefined);
  return {
    to: { email: message.to.email, ...(message.to.name ? { name: message.to.name } : {}) },
    from: { email: config.fromEmail, ...(senderName ? { name: senderName } : {}) },
    ...(replyTo === undefined ? {} : { replyTo }),
    subject: message.subject,
    text: message.text,
    ...(message.html === undefined ? {} : { html: message.html }),
    customArgs: {
      [MESSAGE_ID_ARG]: message.id,
      [IDEMPOTENCY_KEY_ARG]: options.idempotencyKey,
      [TENANT_ARG]: message.tenantId,
    },
    headers: { "X-Relance-Message-Id": message.id },
    ...(config.categories?.length ? { categories: config.categories } : {}),
    ...(config.asmGroupId === undefined ? {} : { asm: { groupId: config.asmGroupId } }),
    ...(config.sandboxMode ? { mailSettings: { sandboxMode: { enable: true } } } : {}),
  };
}

/** The Email Activity query for our idempotency key; the language has no escape we can rely on. */
function activityQuery(idempotencyKey: string): string {
  if (/["'\\\r\n]/.test(idempotencyKey)) {
    throw new RelanceError("validation_failed", "the idempotency key cannot be searched in SendGrid's activity feed", {
      issues: [{ path: "idempotencyKey", message: "must not contain quotes, backslashes or line breaks" }],
    });
  }
  return `unique_args['${IDEMPOTENCY_KEY_ARG}']="${idempotencyKey}"`;
}

interface Context {
  readonly config: SendgridConfig;
  readonly secrets: SendgridSecrets;
  readonly clock: Clock;
  readonly logger: Logger;
}

function createSendgrid({ config, secrets, clock, logger }: Context): ChannelPlugin {
  const client = sendgridClient(config, secrets);
  const mail = new MailService();
  mail.setClient(client);
  mail.setTimeout(config.requestTimeoutMs);
  const verify = eventVerifier(secrets.webhookPublicKey, () =>
    logger.error(
      { plugin: "email-sendgrid" },
      "the Event Webhook verification key cannot be read: every event delivery will be refused",
    ),
  );
  const fail = (action: string) => (error: unknown) => {
    throw toRelanceError(error, { action, now: clock.now(), secrets: [secrets.apiKey] });
  };

  return {
    channel: "email",

    async send(message, options): Promise<SendResult> {
      const data = mailData(message, options, config);
      const [response] = await mail.send(data).catch(fail("mail send"));
      const externalId = headerValue(response.headers, "x-message-id");
      if (externalId) return { externalId, status: "accepted" };
      // Sandbox mode answers 200 without an id; a real 202 always carries one.
      if (!config.sandboxMode)
        logger.warn({ messageId: message.id, status: response.statusCode }, "SendGrid answered without X-Message-Id");
      return { externalId: `${config.sandboxMode ? "sandbox" : "unknown"}:${message.id}`, status: "accepted" };
    },

    async findSent(_message, options): Promise<SendResult | undefined> {
      const query = activityQuery(options.idempotencyKey);
      const [, body] = await client
        .request({ method: "GET", url: "/v3/messages", qs: { limit: 1, query } })
        .catch(fail("activity lookup"));
      const parsed = activitySchema.safeParse(body);
      if (!parsed.success) {
        throw new RelanceError("provider_unavailable", "SendGrid's activity feed answered in an unexpected shape", {
          retryable: true,
        });
      }
      const found = parsed.data.messages[0];
      // The feed's msg_id is the X-Message-Id followed by the relay's suffix.
      return found ? { externalId: found.msg_id.split(".")[0] ?? found.msg_id, status: "accepted" } : undefined;
    },

    webhooks: {
      receive(request) {
        const body = verifyEventRequest(request, { verify, toleranceSeconds: config.webhookToleranceSeconds });
        return mapEvents(body);
      },
    },
  };
}

/** Email through SendGrid: one message per send, events back through the signed Event Webhook. */
export const emailSendgridPlugin = definePlugin({
  id: "email-sendgrid",
  kind: "channel",
  displayName: "Email (SendGrid)",
  version: "0.1.0",
  configSchema: sendgridConfigSchema,
  secretsSchema: sendgridSecretsSchema,
  auth: { type: "api_key", secretField: "apiKey" },
  capabilities: ["email", "find_sent", "webhooks"],
  allowedHosts: ["api.sendgrid.com", "api.eu.sendgrid.com"],
  create: (context) => createSendgrid(context),
});
