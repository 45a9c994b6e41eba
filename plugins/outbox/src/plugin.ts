import { isAbsolute } from "node:path";
import {
  type ChannelPlugin,
  type Clock,
  definePlugin,
  type OutboundMessage,
  RelanceError,
  type SendOptions,
  type SendResult,
} from "@relance/core";
import { z } from "zod";
import { findSentFile, sentFileName, writeAtomically } from "./files";
import { buildMessage, type MimeMessage } from "./mime";

export const outboxConfigSchema = z.object({
  /** Absolute path of the folder the .eml files go to (the server passes `<dataDir>/outbox`). */
  directory: z.string().min(1).refine(isAbsolute, { message: "must be an absolute path" }),
});

export const outboxSecretsSchema = z.object({});

export type OutboxConfig = z.infer<typeof outboxConfigSchema>;

/** Used when the message names no sender address: the outbox never leaves the machine. */
const LOCAL_SENDER = "no-reply@relance.local";

function toMime(message: OutboundMessage, options: SendOptions, date: Date): MimeMessage {
  const postal = message.to.address;
  return {
    date,
    from: { name: message.from.name, email: message.from.email ?? LOCAL_SENDER },
    to: message.to.email === undefined ? undefined : { name: message.to.name, email: message.to.email },
    ...(message.replyTo === undefined ? {} : { replyTo: message.replyTo }),
    subject: message.subject,
    messageId: message.id,
    text: message.text,
    ...(message.html === undefined ? {} : { html: message.html }),
    headers: {
      "X-Relance-Message-Id": message.id,
      "X-Relance-Idempotency-Key": options.idempotencyKey,
      "X-Relance-Tenant": message.tenantId,
      "Content-Language": message.language,
      ...(message.to.email === undefined && postal !== undefined
        ? {
            "X-Relance-Postal-Address": [message.to.name, ...postal.lines, postal.postalCode, postal.city, postal.country]
              .filter((part): part is string => Boolean(part))
              .join(", "),
          }
        : {}),
    },
  };
}

function render(message: OutboundMessage, options: SendOptions, date: Date): string {
  if (message.to.email === undefined && message.to.address === undefined) {
    throw new RelanceError("validation_failed", "the recipient has neither an email nor a postal address", {
      issues: [{ path: "to.email", message: "required when there is no postal address" }],
    });
  }
  try {
    return buildMessage(toMime(message, options, date));
  } catch (error) {
    if (error instanceof RangeError) {
      throw new RelanceError("validation_failed", error.message, { issues: [{ path: "to", message: error.message }] });
    }
    throw error;
  }
}

function createOutbox(config: OutboxConfig, clock: Clock): ChannelPlugin {
  const findSent = async (_message: OutboundMessage, options: SendOptions): Promise<SendResult | undefined> => {
    const name = await findSentFile(config.directory, options.idempotencyKey);
    return name === undefined ? undefined : { externalId: name, status: "delivered" };
  };
  return {
    channel: "email",
    findSent,
    async send(message, options) {
      const name = sentFileName(options.idempotencyKey);
      // A second send under the same key keeps the first file (the link refuses to replace it).
      await writeAtomically(config.directory, name, render(message, options, clock.now()));
      return { externalId: name, status: "delivered" };
    },
  };
}

/**
 * The local sandbox channel: every message becomes an RFC 5322 .eml file in a folder, ready to open
 * in a mail reader. Used when no email provider is configured.
 */
export const outboxPlugin = definePlugin({
  id: "outbox",
  kind: "channel",
  displayName: "Local outbox (.eml files)",
  version: "0.1.0",
  configSchema: outboxConfigSchema,
  secretsSchema: outboxSecretsSchema,
  auth: { type: "none" },
  capabilities: ["email", "find_sent"],
  allowedHosts: [],
  create: (context) => createOutbox(context.config, context.clock),
});
