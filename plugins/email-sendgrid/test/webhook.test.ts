import { generateKeyPairSync } from "node:crypto";
import {
  type ChannelPlugin,
  type Logger,
  type OutboundMessage,
  PluginRegistry,
  RelanceError,
  type WebhookRequest,
} from "@relance/core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type FakeSendGrid, type ReceivedMail, type SignedDelivery, startFakeSendGrid } from "../../../test/fakes/sendgrid";
import { emailSendgridPlugin } from "../src/index";

const API_KEY = "SG.relance-test.webhook";
const EVENT_TIME = 1_795_000_000;
const silent: Logger = { debug() {}, info() {}, warn() {}, error() {} };

const message: OutboundMessage = {
  id: "msg-webhook-1",
  tenantId: "tenant-acme",
  to: { name: "Client", email: "client@client.example" },
  from: { name: "Acme", email: "billing@acme.example" },
  subject: "Invoice INV-7 is overdue",
  text: "Please pay INV-7.",
  language: "en",
  metadata: {},
};

let fake: FakeSendGrid;
let registry: PluginRegistry;
let mail: ReceivedMail;

function plugin(
  secrets: Record<string, unknown> = { webhookPublicKey: fake.publicKey },
  config: Record<string, unknown> = {},
  logger: Logger = silent,
) {
  return registry.create("email-sendgrid", "channel", {
    config: { baseUrl: fake.url, fromEmail: "noreply@relance.example", ...config },
    secrets: { apiKey: API_KEY, ...secrets },
    logger,
  });
}

function asRequest(delivery: SignedDelivery, receivedAt = new Date(EVENT_TIME * 1000)): WebhookRequest {
  return { headers: delivery.headers, rawBody: new TextEncoder().encode(delivery.body), receivedAt };
}

function receive(sendgrid: ChannelPlugin, request: WebhookRequest) {
  const webhooks = sendgrid.webhooks;
  if (!webhooks) throw new Error("the plugin has no webhook handler");
  return Promise.resolve().then(() => webhooks.receive(request));
}

async function rejection(promise: Promise<unknown>): Promise<RelanceError> {
  const error = await promise.then(
    () => undefined,
    (failure: unknown) => failure,
  );
  expect(error).toBeInstanceOf(RelanceError);
  return error as RelanceError;
}

const lowerCased = (headers: Record<string, string>) =>
  Object.fromEntries(Object.entries(headers).map(([key, value]) => [key.toLowerCase(), value]));

beforeEach(async () => {
  fake = await startFakeSendGrid({ apiKey: API_KEY, now: () => new Date(EVENT_TIME * 1000) });
  registry = new PluginRegistry().register(emailSendgridPlugin);
  await (await plugin()).send(message, { idempotencyKey: "debtor:acme:csv:C7:step-1" });
  mail = fake.messages[0] as ReceivedMail;
});

afterEach(async () => {
  await fake.close();
});

describe("event webhook: accepted deliveries", () => {
  it("maps delivery, bounce, drop, deferral and open back to our message", async () => {
    const sendgrid = await plugin();
    const delivery = fake.signEvents([
      { event: "processed", mail, sgEventId: "ev-processed" },
      { event: "delivered", mail, sgEventId: "ev-delivered", fields: { response: "250 2.0.0 OK" } },
      {
        event: "deferred",
        mail,
        sgEventId: "ev-deferred",
        timestamp: EVENT_TIME - 60,
        fields: { response: "421 try later", attempt: "1" },
      },
      {
        event: "bounce",
        mail,
        sgEventId: "ev-bounce",
        fields: { reason: "550 5.1.1 user unknown", type: "bounce", status: "5.1.1" },
      },
      { event: "dropped", mail, sgEventId: "ev-dropped", fields: { reason: "Bounced Address" } },
      { event: "open", mail, sgEventId: "ev-open", fields: { useragent: "Mozilla/5.0", ip: "192.0.2.1" } },
      { event: "click", mail, sgEventId: "ev-click", fields: { url: "https://pay.example/" } },
    ]);
    const events = await receive(sendgrid, asRequest(delivery));
    const at = new Date(EVENT_TIME * 1000);
    const common = { messageId: "msg-webhook-1", externalId: mail.id };
    expect(events).toEqual([
      { ...common, providerEventId: "ev-delivered", status: "delivered", occurredAt: at, detail: "250 2.0.0 OK" },
      {
        ...common,
        providerEventId: "ev-deferred",
        status: "deferred",
        occurredAt: new Date((EVENT_TIME - 60) * 1000),
        detail: "421 try later",
      },
      { ...common, providerEventId: "ev-bounce", status: "bounced", occurredAt: at, detail: "550 5.1.1 user unknown" },
      { ...common, providerEventId: "ev-dropped", status: "dropped", occurredAt: at, detail: "Bounced Address" },
      { ...common, providerEventId: "ev-open", status: "opened", occurredAt: at },
    ]);
  });

  it("reads the headers whatever their case, as servers lower-case them", async () => {
    const sendgrid = await plugin();
    const delivery = fake.signEvents([{ event: "delivered", mail }]);
    const events = await receive(sendgrid, asRequest({ ...delivery, headers: lowerCased(delivery.headers) }));
    expect(events.map((event) => event.status)).toEqual(["delivered"]);
  });

  it("leaves ids undefined for events that do not carry them", async () => {
    const sendgrid = await plugin();
    const events = await receive(sendgrid, asRequest(fake.signEvents([{ event: "bounce", sgEventId: "ev-x" }])));
    expect(events).toEqual([
      {
        providerEventId: "ev-x",
        messageId: undefined,
        externalId: undefined,
        status: "bounced",
        occurredAt: new Date(EVENT_TIME * 1000),
      },
    ]);
  });

  it("accepts timestamps within the window on either side, and a wider window when configured", async () => {
    const sendgrid = await plugin();
    const delivery = fake.signEvents([{ event: "delivered", mail }], { timestamp: EVENT_TIME - 299 });
    expect(await receive(sendgrid, asRequest(delivery))).toHaveLength(1);
    const early = fake.signEvents([{ event: "delivered", mail }], { timestamp: EVENT_TIME + 299 });
    expect(await receive(sendgrid, asRequest(early))).toHaveLength(1);

    const patient = await plugin(undefined, { webhookToleranceSeconds: 900 });
    const old = fake.signEvents([{ event: "delivered", mail }], { timestamp: EVENT_TIME - 600 });
    expect(await receive(patient, asRequest(old))).toHaveLength(1);
  });
});

describe("event webhook: rejected deliveries", () => {
  it("rejects a signature made with another key", async () => {
    const impostor = await startFakeSendGrid();
    try {
      const sendgrid = await plugin();
      const forged = impostor.signEvents([{ event: "delivered", mail }], { timestamp: EVENT_TIME });
      const error = await rejection(receive(sendgrid, asRequest(forged)));
      expect(error.code).toBe("unauthorized");
    } finally {
      await impostor.close();
    }
  });

  it("rejects a body changed after signing", async () => {
    const sendgrid = await plugin();
    const delivery = fake.signEvents([{ event: "bounce", mail, fields: { reason: "mailbox full" } }]);
    const tampered = { ...delivery, body: delivery.body.replace('"bounce"', '"delivered"') };
    expect(tampered.body).not.toBe(delivery.body);
    expect((await rejection(receive(sendgrid, asRequest(tampered)))).code).toBe("unauthorized");
    const reformatted = { ...delivery, body: JSON.stringify(JSON.parse(delivery.body), null, 2) };
    expect((await rejection(receive(sendgrid, asRequest(reformatted)))).code).toBe("unauthorized");
  });

  it("rejects a missing signature or timestamp, or garbage in them", async () => {
    const sendgrid = await plugin();
    const delivery = fake.signEvents([{ event: "delivered", mail }]);
    const headers = lowerCased(delivery.headers);
    const without = (name: string) => Object.fromEntries(Object.entries(headers).filter(([key]) => key !== name));
    const variants: Record<string, string>[] = [
      without("x-twilio-email-event-webhook-signature"),
      without("x-twilio-email-event-webhook-timestamp"),
      { ...headers, "x-twilio-email-event-webhook-signature": "" },
      { ...headers, "x-twilio-email-event-webhook-signature": "not base64 DER!" },
      { ...headers, "x-twilio-email-event-webhook-timestamp": "soon" },
    ];
    for (const variant of variants) {
      const error = await rejection(receive(sendgrid, asRequest({ ...delivery, headers: variant })));
      expect(error.code).toBe("unauthorized");
    }
  });

  it("rejects a correctly signed but stale or future timestamp (replay window)", async () => {
    const sendgrid = await plugin();
    const stale = fake.signEvents([{ event: "delivered", mail }], { timestamp: EVENT_TIME - 301 });
    const staleError = await rejection(receive(sendgrid, asRequest(stale)));
    expect(staleError.code).toBe("unauthorized");
    expect(staleError.message).toContain("window");
    const future = fake.signEvents([{ event: "delivered", mail }], { timestamp: EVENT_TIME + 301 });
    expect((await rejection(receive(sendgrid, asRequest(future)))).code).toBe("unauthorized");
    // The same delivery replayed much later.
    const fresh = fake.signEvents([{ event: "delivered", mail }]);
    const replay = asRequest(fresh, new Date((EVENT_TIME + 3600) * 1000));
    expect((await rejection(receive(sendgrid, replay))).code).toBe("unauthorized");
  });

  it("fails closed when no verification key is configured, or when it cannot be read", async () => {
    const delivery = fake.signEvents([{ event: "delivered", mail }]);
    const unconfigured = await plugin({});
    expect((await rejection(receive(unconfigured, asRequest(delivery)))).code).toBe("unauthorized");
    const errors: string[] = [];
    const recording: Logger = { ...silent, error: (_fields, text) => errors.push(text ?? "") };
    const unreadable = await plugin({ webhookPublicKey: "definitely-not-a-key" }, {}, recording);
    expect(errors).toEqual([expect.stringContaining("verification key cannot be read")]);
    expect((await rejection(receive(unreadable, asRequest(delivery)))).code).toBe("unauthorized");
  });

  it("accepts the key in PEM form too", async () => {
    const pem = `-----BEGIN PUBLIC KEY-----\n${fake.publicKey.match(/.{1,64}/g)?.join("\n")}\n-----END PUBLIC KEY-----\n`;
    const sendgrid = await plugin({ webhookPublicKey: pem });
    expect(await receive(sendgrid, asRequest(fake.signEvents([{ event: "open", mail }])))).toHaveLength(1);
    // And a PEM of another key fails.
    const other = generateKeyPairSync("ec", { namedCurve: "prime256v1" }).publicKey.export({ type: "spki", format: "pem" });
    const wrong = await plugin({ webhookPublicKey: other.toString() });
    expect((await rejection(receive(wrong, asRequest(fake.signEvents([{ event: "open", mail }]))))).code).toBe("unauthorized");
  });

  it("answers validation_failed for a signed body that is not a JSON array of valid events", async () => {
    const sendgrid = await plugin();
    for (const body of [
      "[{not json",
      '{"event":"delivered"}',
      '[{"event":"delivered","sg_event_id":"e1"}]',
      '[{"timestamp":1}]',
    ]) {
      const error = await rejection(receive(sendgrid, asRequest(fake.sign(body))));
      expect(error.code).toBe("validation_failed");
    }
    const missingTime = await rejection(receive(sendgrid, asRequest(fake.sign('[{"event":"delivered","sg_event_id":"e1"}]'))));
    expect(missingTime.issues).toEqual([expect.objectContaining({ path: "0.timestamp" })]);
  });
});
