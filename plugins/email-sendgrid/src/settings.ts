import { z } from "zod";

export const sendgridConfigSchema = z.object({
  /** SendGrid API base URL; a proxy, the EU host or a local fake in tests. */
  baseUrl: z.url({ protocol: /^https?$/ }).default("https://api.sendgrid.com/"),
  /** A verified sender of the SendGrid account. */
  fromEmail: z.email(),
  /** Sender name when the message names none. */
  fromName: z.string().min(1).max(200).optional(),
  /** SendGrid validates the request and answers 200 without sending anything. */
  sandboxMode: z.boolean().optional(),
  categories: z.array(z.string().min(1).max(255)).max(10).optional(),
  /** Unsubscribe group (ASM) the messages belong to. */
  asmGroupId: z.number().int().positive().optional(),
  /** How far an Event Webhook timestamp may be from the time of receipt (replay window). */
  webhookToleranceSeconds: z.number().int().positive().max(86_400).default(300),
  requestTimeoutMs: z.number().int().positive().max(600_000).default(30_000),
});

export const sendgridSecretsSchema = z.object({
  apiKey: z.string().startsWith("SG."),
  /** Event Webhook verification key from Mail Settings (base64 DER or PEM). Without it, webhooks are refused. */
  webhookPublicKey: z.string().min(1).optional(),
});

export type SendgridConfig = z.infer<typeof sendgridConfigSchema>;
export type SendgridSecrets = z.infer<typeof sendgridSecretsSchema>;
