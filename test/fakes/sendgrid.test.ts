import { createPublicKey, generateKeyPairSync, verify } from "node:crypto";
import { request as httpRequest } from "node:http";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type FakeSendGrid, type ReceivedMail, startFakeSendGrid } from "./sendgrid";

const KEY = "SG.fake-key.secret";

const validMail = {
  personalizations: [{ to: [{ email: "debtor@client.example", name: "Client" }], custom_args: { step: "2" } }],
  from: { email: "billing@creditor.example", name: "Creditor" },
  subject: "Invoice INV-1 is overdue",
  content: [
    { type: "text/plain", value: "Please pay." },
    { type: "text/html", value: "<p>Please pay.</p>" },
  ],
  custom_args: { relance_message_id: "m-1", relance_idempotency_key: "wf:step-1" },
  categories: ["dunning"],
};

let fake: FakeSendGrid;

beforeEach(async () => {
  fake = await startFakeSendGrid({ apiKey: KEY });
});

afterEach(async () => {
  await fake.close();
});

function post(body: unknown, key = KEY) {
  return fetch(new URL("v3/mail/send", fake.url), {
    method: "POST",
    headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

function activity(query: string, limit?: string) {
  const url = new URL("v3/messages", fake.url);
  url.searchParams.set("query", query);
  if (limit !== undefined) url.searchParams.set("limit", limit);
  return fetch(url, { headers: { Authorization: `Bearer ${KEY}` } });
}

describe("fake SendGrid mail send", () => {
  it("listens on 127.0.0.1 and accepts a valid message with 202 and X-Message-Id", async () => {
    expect(fake.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const response = await post(validMail);
    expect(response.status).toBe(202);
    expect(await response.text()).toBe("");
    const id = response.headers.get("x-message-id");
    expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(fake.messages).toHaveLength(1);
    const stored = fake.messages[0] as ReceivedMail;
    expect(stored.id).toBe(id);
    expect(stored.to).toEqual(["debtor@client.example"]);
    expect(stored.customArgs).toEqual({ relance_message_id: "m-1", relance_idempotency_key: "wf:step-1", step: "2" });
    expect(stored.categories).toEqual(["dunning"]);
    expect(stored.body).toEqual(validMail);
    expect(fake.requests).toBe(1);
  });

  it("answers 401 with SendGrid's error body for a missing or wrong key", async () => {
    for (const key of ["", "SG.other", "not-a-sendgrid-key"]) {
      const response = await post(validMail, key);
      expect(response.status).toBe(401);
      expect(await response.json()).toEqual({
        errors: [{ message: "The provided authorization grant is invalid, expired, or revoked", field: null, help: null }],
      });
    }
    expect(fake.messages).toHaveLength(0);
  });

  it("answers 400 naming every missing required field", async () => {
    const response = await post({ personalizations: [{ to: [] }], from: { email: "nope" }, content: [] });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { errors: { field: string; message: string }[] };
    expect(body.errors.map((entry) => entry.field)).toEqual(["personalizations.0.to", "from.email", "subject", "content"]);
    expect((await post({ ...validMail, personalizations: undefined })).status).toBe(400);
    expect((await post("{not json")).status).toBe(400);
    // A template stands in for subject and content.
    const { subject: _subject, content: _content, ...rest } = validMail;
    expect((await post({ ...rest, template_id: "d-123" })).status).toBe(202);
    expect(fake.messages).toHaveLength(1);
  });

  it("validates but neither stores nor sends in sandbox mode", async () => {
    const response = await post({ ...validMail, mail_settings: { sandbox_mode: { enable: true } } });
    expect(response.status).toBe(200);
    expect(response.headers.get("x-message-id")).toBeNull();
    expect(fake.messages).toHaveLength(0);
    const invalid = await post({ ...validMail, from: undefined, mail_settings: { sandbox_mode: { enable: true } } });
    expect(invalid.status).toBe(400);
  });

  it("fails the next requests as told, then recovers", async () => {
    fake.failNext(429, 2, { "Retry-After": "7", "X-RateLimit-Reset": "1900000000" });
    fake.failNext(500);
    const first = await post(validMail);
    expect(first.status).toBe(429);
    expect(first.headers.get("retry-after")).toBe("7");
    expect(first.headers.get("x-ratelimit-reset")).toBe("1900000000");
    expect(await first.json()).toEqual({ errors: [{ message: "too many requests", field: null, help: null }] });
    expect((await post(validMail)).status).toBe(429);
    expect((await post(validMail)).status).toBe(500);
    expect((await post(validMail)).status).toBe(202);
    expect(fake.messages).toHaveLength(1);
    expect(fake.requests).toBe(4);
  });
});

describe("fake SendGrid onMessage hook", () => {
  it("holds the answer until the hook settles, after the message is stored", async () => {
    let release: () => void = () => undefined;
    let reached: (mail: ReceivedMail) => void = () => undefined;
    const hookReached = new Promise<ReceivedMail>((resolve) => {
      reached = resolve;
    });
    let answered = false;
    fake.onMessage = (mail) => {
      reached(mail);
      return new Promise<void>((resolve) => {
        release = resolve;
      });
    };
    const pending = post(validMail).then((response) => {
      answered = true;
      return response;
    });
    const mail = await hookReached;
    expect(fake.messages).toContain(mail);
    expect(answered).toBe(false);
    release();
    const response = await pending;
    expect(response.status).toBe(202);
    expect(response.headers.get("x-message-id")).toBe(mail.id);
  });

  it("survives a client that disconnects while the hook runs", async () => {
    let hookDone: () => void = () => undefined;
    const done = new Promise<void>((resolve) => {
      hookDone = resolve;
    });
    const body = JSON.stringify(validMail);
    const client = httpRequest(new URL("v3/mail/send", fake.url), {
      method: "POST",
      headers: { Authorization: `Bearer ${KEY}`, "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body) },
    });
    client.on("error", () => undefined);
    fake.onMessage = async () => {
      client.destroy();
      await new Promise<void>((resolve) => client.once("close", () => resolve()));
      hookDone();
    };
    client.end(body);
    await done;
    fake.onMessage = undefined;
    expect(fake.messages).toHaveLength(1);
    expect((await post(validMail)).status).toBe(202);
    expect(fake.messages).toHaveLength(2);
  });
});

describe("fake SendGrid email activity", () => {
  it("finds messages by unique_args, newest first, honouring limit", async () => {
    await post(validMail);
    await post({ ...validMail, custom_args: { relance_idempotency_key: "wf:step-2" } });
    await post({ ...validMail, custom_args: { relance_idempotency_key: "wf:step-2" }, subject: "second" });
    const [first, , third] = fake.messages as [ReceivedMail, ReceivedMail, ReceivedMail];

    const one = await activity(`unique_args['relance_idempotency_key']="wf:step-1"`, "10");
    expect(one.status).toBe(200);
    const { messages } = (await one.json()) as { messages: { msg_id: string; to_email: string; subject: string }[] };
    expect(messages).toHaveLength(1);
    expect(messages[0]?.msg_id.split(".")[0]).toBe(first.id);
    expect(messages[0]).toMatchObject({ to_email: "debtor@client.example", subject: validMail.subject, status: "processed" });

    const limited = (await (await activity(`unique_args['relance_idempotency_key']="wf:step-2"`, "1")).json()) as {
      messages: { msg_id: string }[];
    };
    expect(limited.messages.map((m) => m.msg_id.split(".")[0])).toEqual([third.id]);

    const none = (await (await activity(`unique_args['relance_idempotency_key']="wf:step-9"`)).json()) as { messages: [] };
    expect(none.messages).toEqual([]);

    const combined = (await (await activity(`to_email="debtor@client.example" AND subject="second"`)).json()) as {
      messages: unknown[];
    };
    expect(combined.messages).toHaveLength(1);
  });

  it("rejects unsupported queries and bad limits with 400", async () => {
    expect((await activity("bad_field = 1")).status).toBe(400);
    expect((await activity(`to_email="a@b.example"`, "0")).status).toBe(400);
    expect((await activity(`to_email="a@b.example"`, "1001")).status).toBe(400);
  });
});

describe("fake SendGrid event webhook signer", () => {
  it("signs `timestamp + body` with ECDSA P-256 verifiable with the published key", async () => {
    await post(validMail);
    const mail = fake.messages[0] as ReceivedMail;
    const delivery = fake.signEvents([
      { event: "delivered", mail, fields: { response: "250 OK" } },
      { event: "open", mail, timestamp: 1_800_000_000 },
    ]);
    const timestamp = delivery.headers["X-Twilio-Email-Event-Webhook-Timestamp"] ?? "";
    const signature = delivery.headers["X-Twilio-Email-Event-Webhook-Signature"] ?? "";
    const key = createPublicKey({ key: Buffer.from(fake.publicKey, "base64"), format: "der", type: "spki" });
    expect(key.asymmetricKeyDetails?.namedCurve).toBe("prime256v1");
    const signed = Buffer.from(timestamp + delivery.body);
    expect(verify("sha256", signed, key, Buffer.from(signature, "base64"))).toBe(true);
    expect(verify("sha256", Buffer.from(`${timestamp}${delivery.body} `), key, Buffer.from(signature, "base64"))).toBe(false);
    const other = generateKeyPairSync("ec", { namedCurve: "prime256v1" }).publicKey;
    expect(verify("sha256", signed, other, Buffer.from(signature, "base64"))).toBe(false);

    const events = JSON.parse(delivery.body) as Record<string, unknown>[];
    expect(events).toHaveLength(2);
    expect(events[0]).toMatchObject({
      event: "delivered",
      email: "debtor@client.example",
      relance_message_id: "m-1",
      relance_idempotency_key: "wf:step-1",
      step: "2",
      response: "250 OK",
    });
    expect(String(events[0]?.sg_message_id).startsWith(`${mail.id}.`)).toBe(true);
    expect(events[0]?.sg_event_id).not.toBe(events[1]?.sg_event_id);
    expect(events[1]?.timestamp).toBe(1_800_000_000);
  });
});
