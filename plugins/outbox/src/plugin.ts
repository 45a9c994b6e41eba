import { isAbsolute } from "node:path";
import {
  type ChannelPlugin,
  type Clock,
  definePlugin,
  type OutboundMessage,
  type PostalAddress,
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
  /**
   * What the sandbox stands in for. "letter" plays a postal / registered-letter provider: the message
   * is still written as a viewable .eml, addressed by post, until a real letter plugin is configured.
   */
  channel: z.enum(["email", "letter"]).default("email"),
});

export const outboxSecretsSchema = z.object({});

export type OutboxConfig = z.infer<typeof outboxConfigSchema>;

type OutboxChannel = OutboxConfig["channel"];

/** Used when the message names no sender address: the outbox never leaves the machine. */
const LOCAL_SENDER = "no-reply@relance.local";

/** The postal address on one line, as written in the X-Relance-Postal-Address header. */
function postalLine(name: string, postal: PostalAddress): string {
  return [name, ...postal.lines, postal.postalCode, postal.city, postal.region, postal.country]
    .filter((part): part is string => Boolean(part))
    .join(", ");
}

/** Headers that are the same whichever channel the outbox plays. */
function commonHeaders(message: OutboundMessage, options: SendOptions): Record<string, string> {
  return {
    "X-Relance-Message-Id": message.id,
    "X-Relance-Idempotency-Key": options.idempotencyKey,
    "X-Relance-Tenant": message.tenantId,
    "Content-Language": message.language,
  };
}

function emailHeaders(message: OutboundMessage): Record<string, string> {
  const postal = message.to.address;
  return message.to.email === undefined && postal !== undefined
    ? { "X-Relance-Postal-Address": postalLine(message.to.name, postal) }
    : {};
}

function letterHeaders(message: OutboundMessage, postal: PostalAddress): Record<string, string> {
  return {
    "X-Relance-Channel": "letter",
    "X-Relance-Postal-Address": postalLine(message.to.name, postal),
    // A registered letter (lettre recommandée): the step asks for it through the message metadata.
    ...(message.metadata.registered === "true" ? { "X-Relance-Registered": "yes" } : {}),
  };
}

function toMime(message: OutboundMessage, options: SendOptions, date: Date, channel: OutboxChannel): MimeMessage {
  const letter = channel === "letter" ? message.to.address : undefined;
  return {
    date,
    from: { name: message.from.name, email: message.from.email ?? LOCAL_SENDER },
    // A letter goes by post: its recipient's email (present, absent or malformed) plays no part.
    to: channel === "email" && message.to.email !== undefined ? { name: message.to.name, email: message.to.email } : undefined,
    ...(message.replyTo === undefined ? {} : { replyTo: message.replyTo }),
    subject: message.subject,
    messageId: message.id,
    text: message.text,
    ...(message.html === undefined ? {} : { html: message.html }),
    headers: {
      ...commonHeaders(message, options),
      ...(letter === undefined ? emailHeaders(message) : letterHeaders(message, letter)),
    },
  };
}

function render(message: OutboundMessage, options: SendOptions, date: Date, channel: OutboxChannel): string {
  if (channel === "letter" && message.to.address === undefined) {
    throw new RelanceError("validation_failed", "a letter needs the recipient's postal address", {
      issues: [{ path: "to.address", message: "required to send a letter" }],
    });
  }
  if (message.to.email === undefined && message.to.address === undefined) {
    throw new RelanceError("validation_failed", "the recipient has neither an email nor a postal address", {
      issues: [{ path: "to.email", message: "required when there is no postal address" }],
    });
  }
  try {
    return buildMessage(toMime(message, options, date, channel));
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
    channel: config.channel,
    findSent,
    async send(message, options) {
      const name = sentFileName(options.idempotencyKey);
      // A second send under the same key keeps the first file (the link refuses to replace it).
      await writeAtomically(config.directory, name, render(message, options, clock.now(), config.channel));
      return { externalId: name, status: "delivered" };
    },
  };
}

/**
 * The local sandbox channel: every message becomes an RFC 5322 .eml file in a folder, ready to open
 * in a mail reader. Used when no email provider is configured, and (with `channel: "letter"`) when no
 * postal-letter provider is.
 */
export const outboxPlugin = definePlugin({
  id: "outbox",
  kind: "channel",
  displayName: "Local outbox (.eml files)",
  version: "0.1.0",
  configSchema: outboxConfigSchema,
  secretsSchema: outboxSecretsSchema,
  auth: { type: "none" },
  capabilities: ["email", "letter", "registered_letter", "find_sent"],
  allowedHosts: [],
  create: (context) => createOutbox(context.config, context.clock),
});
