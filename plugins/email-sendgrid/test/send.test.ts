import { createServer } from "node:net";
import { type ChannelPlugin, type Logger, type OutboundMessage, PluginRegistry, RelanceError } from "@relance/core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type FakeSendGrid, type ReceivedMail, startFakeSendGrid } from "../../../test/fakes/sendgrid";
import { emailSendgridPlugin, toRelanceError } from "../src/index";

const API_KEY = "SG.relance-test.9f3b1c";
const NOW = new Date("2026-11-22T10:00:00Z");
const silent: Logger = { debug() {}, info() {}, warn() {}, error() {} };

const message: OutboundMessage = {
  id: "msg-7f2a",
  tenantId: "tenant-acme",
  to: { name: "Hélène Dupré", email: "helene@client.example" },
  from: { name: "Acme Énergie", email: "compta@acme.example" },
  replyTo: "relances@acme.example",
  subject: "Facture F-42 échue",
  text: "Bonjour, la facture F-42 (1 234,56 €) reste impayée.",
  html: "<p>Bonjour, la facture <b>F-42</b> (1 234,56 €) reste impayée.</p>",
  language: "fr",
  metadata: { invoice: "F-42" },
};

let fake: FakeSendGrid;
let registry: PluginRegistry;

function plugin(config: Record<string, unknown> = {}, secrets: Record<string, unknown> = {}): Promise<ChannelPlugin> {
  return registry.create("email-sendgrid", "channel", {
    config: {
      baseUrl: fake.url,
      fromEmail: "noreply@relance.example",
      categories: ["dunning", "relance"],
      asmGroupId: 321,
      ...config,
    },
    secrets: { apiKey: API_KEY, ...secrets },
    logger: silent,
    clock: { now: () => NOW },
  });
}

async function rejection(promise: Promise<unknown>): Promise<RelanceError> {
  const error = await promise.then(
    () => undefined,
    (failure: unknown) => failure,
  );
  expect(error).toBeInstanceOf(RelanceError);
  return error as RelanceError;
}

function expectNoKey(error: RelanceError): void {
  expect(error.message).not.toContain(API_KEY);
  expect(JSON.stringify(error.issues)).not.toContain(API_KEY);
  expect(String(error.cause ?? "")).not.toContain(API_KEY);
  expect(JSON.stringify(error.cause ?? null)).not.toContain(API_KEY);
}

async function unusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

beforeEach(async () => {
  fake = await startFakeSendGrid({ apiKey: API_KEY });
  registry = new PluginRegistry().register(emailSendgridPlugin);
});

afterEach(async () => {
  await fake.close();
});

describe("send through the real SDK", () => {
  it("puts one message on the wire with our ids in custom_args and returns X-Message-Id", async () => {
    const sendgrid = await plugin();
    const result = await sendgrid.send(message, { idempotencyKey: "debtor:acme:xero:C1:step-2" });

    expect(fake.messages).toHaveLength(1);
    const mail = fake.messages[0] as ReceivedMail;
    expect(result).toEqual({ externalId: mail.id, status: "accepted" });
    expect(mail.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(mail.headers["user-agent"]).toBe("sendgrid/8.1.6;nodejs");
    expect(mail.body).toMatchObject({
      from: { email: "noreply@relance.example", name: "Acme Énergie" },
      reply_to: { email: "relances@acme.example" },
      subject: "Facture F-42 échue",
      content: [
        { type: "text/plain", value: message.text },
        { type: "text/html", value: message.html },
      ],
      custom_args: {
        relance_message_id: "msg-7f2a",
        relance_idempotency_key: "debtor:acme:xero:C1:step-2",
        relance_tenant: "tenant-acme",
      },
      categories: ["dunning", "relance"],
      headers: { "X-Relance-Message-Id": "msg-7f2a" },
      asm: { group_id: 321 },
    });
    expect(mail.body.personalizations).toEqual([{ to: [{ email: "helene@client.example", name: "Hélène Dupré" }] }]);
    expect(mail.body).not.toHaveProperty("mail_settings");
  });

  it("uses the creditor's address as reply-to when none is given, and the configured name as a fallback", async () => {
    const sendgrid = await plugin({ fromName: "Relance" });
    const { replyTo: _replyTo, html: _html, ...plain } = message;
    await sendgrid.send({ ...plain, from: { name: "", email: "compta@acme.example" } }, { idempotencyKey: "k-2" });
    const body = (fake.messages[0] as ReceivedMail).body;
    expect(body.reply_to).toEqual({ email: "compta@acme.example" });
    expect(body.from).toEqual({ email: "noreply@relance.example", name: "Relance" });
    expect(body.content).toEqual([{ type: "text/plain", value: message.text }]);
  });

  it("asks for sandbox mode when configured: SendGrid validates and stores nothing", async () => {
    const sendgrid = await plugin({ sandboxMode: true });
    const result = await sendgrid.send(message, { idempotencyKey: "k-sandbox" });
    expect(result).toEqual({ externalId: "sandbox:msg-7f2a", status: "accepted" });
    expect(fake.messages).toHaveLength(0);
    expect(fake.requests).toBe(1);
  });

  it("refuses a recipient without an email before calling SendGrid", async () => {
    const sendgrid = await plugin();
    const error = await rejection(sendgrid.send({ ...message, to: { name: "No Email" } }, { idempotencyKey: "k" }));
    expect(error.code).toBe("validation_failed");
    expect(fake.requests).toBe(0);
  });

  it("keeps no shared client: two instances talk to their own servers with their own keys", async () => {
    const other = await startFakeSendGrid({ apiKey: "SG.second-tenant.key" });
    try {
      const first = await plugin();
      const second = await plugin({ baseUrl: other.url }, { apiKey: "SG.second-tenant.key" });
      await second.send(message, { idempotencyKey: "k-b" });
      await first.send(message, { idempotencyKey: "k-a" });
      expect(fake.messages.map((mail) => mail.customArgs.relance_idempotency_key)).toEqual(["k-a"]);
      expect(other.messages.map((mail) => mail.customArgs.relance_idempotency_key)).toEqual(["k-b"]);
      expect(other.messages[0]?.headers.authorization).toBe("Bearer SG.second-tenant.key");
    } finally {
      await other.close();
    }
  });
});

describe("send errors", () => {
  it("maps 429 to a retryable rate_limited error with the Retry-After delay", async () => {
    const sendgrid = await plugin();
    fake.failNext(429, 1, { "Retry-After": "3" });
    const error = await rejection(sendgrid.send(message, { idempotencyKey: "k" }));
    expect(error).toMatchObject({ code: "rate_limited", retryable: true, retryAfterMs: 3000 });
    expect(error.message).toContain("too many requests");
    expectNoKey(error);
  });

  it("falls back to SendGrid's X-RateLimit-Reset when there is no Retry-After", async () => {
    const sendgrid = await plugin();
    fake.failNext(429, 1, {
      "X-RateLimit-Limit": "600",
      "X-RateLimit-Remaining": "0",
      "X-RateLimit-Reset": String(NOW.getTime() / 1000 + 42),
    });
    const error = await rejection(sendgrid.send(message, { idempotencyKey: "k" }));
    expect(error).toMatchObject({ code: "rate_limited", retryable: true, retryAfterMs: 42_000 });
  });

  it("maps 5xx and unreachable hosts to retryable provider_unavailable", async () => {
    const sendgrid = await plugin();
    fake.failNext(500);
    const server = await rejection(sendgrid.send(message, { idempotencyKey: "k" }));
    expect(server).toMatchObject({ code: "provider_unavailable", retryable: true });
    expectNoKey(server);

    const offline = await plugin({ baseUrl: `http://127.0.0.1:${await unusedPort()}/` });
    const network = await rejection(offline.send(message, { idempotencyKey: "k" }));
    expect(network).toMatchObject({ code: "provider_unavailable", retryable: true });
    expect(network.message).toContain("ECONNREFUSED");
    expectNoKey(network);
  });

  it("maps 401 to a non-retryable misconfigured error that does not show the key", async () => {
    const sendgrid = await plugin({}, { apiKey: "SG.revoked-key.abc" });
    const error = await rejection(sendgrid.send(message, { idempotencyKey: "k" }));
    expect(error).toMatchObject({ code: "misconfigured", retryable: false });
    expect(error.message).not.toContain("SG.revoked-key.abc");
    expect(error.message).toContain("authorization grant is invalid");
    expect(fake.messages).toHaveLength(0);
  });

  it("maps other 4xx to provider_rejected with SendGrid's messages and fields", async () => {
    const sendgrid = await plugin();
    const error = await rejection(
      sendgrid.send({ ...message, to: { name: "X", email: "not-an-address" } }, { idempotencyKey: "k" }),
    );
    expect(error).toMatchObject({ code: "provider_rejected", retryable: false });
    expect(error.issues).toEqual([{ path: "personalizations.0.to.0.email", message: "Does not contain a valid address." }]);
    expect(error.message).toContain("Does not contain a valid address.");
    expectNoKey(error);
  });

  it("redacts key-like text a provider might echo back", () => {
    const echoed = {
      code: 400,
      response: { headers: {}, body: { errors: [{ message: `bad key ${API_KEY} used`, field: null, help: null }] } },
    };
    const error = toRelanceError(echoed, { action: "mail send", now: NOW, secrets: [API_KEY] });
    expect(error.code).toBe("provider_rejected");
    expect(error.message).toContain("[redacted]");
    expectNoKey(error);
    const other = toRelanceError(
      { code: 400, response: { body: { errors: [{ message: "key SG.someone-else.xyz" }] } } },
      { action: "mail send", now: NOW, secrets: [] },
    );
    expect(other.message).not.toContain("someone-else");
  });
});

describe("findSent through the Email Activity API", () => {
  it("finds a message sent under the key and nothing for an unknown key", async () => {
    const sendgrid = await plugin();
    const sent = await sendgrid.send(message, { idempotencyKey: "debtor:acme:xero:C1:step-3" });
    await sendgrid.send(message, { idempotencyKey: "debtor:acme:xero:C1:step-4" });
    expect(await sendgrid.findSent?.(message, { idempotencyKey: "debtor:acme:xero:C1:step-3" })).toEqual(sent);
    expect(await sendgrid.findSent?.(message, { idempotencyKey: "debtor:acme:xero:C1:step-9" })).toBeUndefined();
  });

  it("maps lookup failures like sends and refuses keys it cannot quote", async () => {
    const sendgrid = await plugin();
    fake.failNext(429, 1, { "Retry-After": "5" });
    const limited = await rejection(sendgrid.findSent?.(message, { idempotencyKey: "k" }) ?? Promise.resolve());
    expect(limited).toMatchObject({ code: "rate_limited", retryable: true, retryAfterMs: 5000 });
    fake.failNext(503);
    const down = await rejection(sendgrid.findSent?.(message, { idempotencyKey: "k" }) ?? Promise.resolve());
    expect(down).toMatchObject({ code: "provider_unavailable", retryable: true });
    const before = fake.requests;
    const quoted = await rejection(sendgrid.findSent?.(message, { idempotencyKey: `k"] OR x="` }) ?? Promise.resolve());
    expect(quoted.code).toBe("validation_failed");
    expect(fake.requests).toBe(before);
  });
});

describe("manifest", () => {
  it("reports bad settings and secrets by field, never echoing secret values", async () => {
    const attempt = registry.create("email-sendgrid", "channel", {
      config: { baseUrl: "ftp://example.com/", fromEmail: "not-an-email", asmGroupId: -1 },
      secrets: { apiKey: "sk_live_wrong-kind-of-key" },
      logger: silent,
    });
    const error = await rejection(attempt);
    expect(error.code).toBe("validation_failed");
    const paths = error.issues.map((issue) => issue.path);
    expect(paths).toEqual(expect.arrayContaining(["config.baseUrl", "config.fromEmail", "config.asmGroupId", "secrets.apiKey"]));
    expect(JSON.stringify(error.issues)).not.toContain("sk_live_wrong-kind-of-key");
  });

  it("defaults the base URL to SendGrid's API", () => {
    const config = emailSendgridPlugin.configSchema.parse({ fromEmail: "a@b.example" });
    expect(config.baseUrl).toBe("https://api.sendgrid.com/");
    expect(config.webhookToleranceSeconds).toBe(300);
  });
});
