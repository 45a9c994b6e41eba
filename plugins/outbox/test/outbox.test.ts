import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ChannelPlugin, type Logger, type OutboundMessage, PluginRegistry, RelanceError } from "@relance/core";
import PostalMime, { decodeWords } from "postal-mime";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { outboxPlugin } from "../src/index";

const silent: Logger = { debug() {}, info() {}, warn() {}, error() {} };

function manualClock(start: string) {
  let now = new Date(start);
  return {
    now: () => new Date(now),
    advance(ms: number) {
      now = new Date(now.getTime() + ms);
    },
  };
}

const message: OutboundMessage = {
  id: "msg_01HZX4",
  tenantId: "tenant-1",
  to: { name: "Hélène Dupré", email: "helene@client.example" },
  from: { name: "Société Générale d'Électricité", email: "compta@fournisseur.example" },
  replyTo: "relances@fournisseur.example",
  subject: "Relance : facture n° F-2026-042 échue — 1 234,56 €",
  text: "Bonjour Hélène,\n\nSauf erreur de notre part, la facture n° F-2026-042 reste impayée.\nMerci de régler 1 234,56 € dès réception.\n\nCordialement,\nL'équipe comptabilité",
  html: "<p>Bonjour Hélène,</p><p>Sauf erreur de notre part, la facture <strong>n° F-2026-042</strong> reste impayée : 1 234,56 €.</p>",
  language: "fr",
  metadata: {},
};

let directory: string;
let registry: PluginRegistry;
let clock: ReturnType<typeof manualClock>;

async function outbox(): Promise<ChannelPlugin> {
  return registry.create("outbox", "channel", { config: { directory }, secrets: {}, logger: silent, clock });
}

async function letterOutbox(): Promise<ChannelPlugin> {
  return registry.create("outbox", "channel", { config: { directory, channel: "letter" }, secrets: {}, logger: silent, clock });
}

async function emlFiles(): Promise<string[]> {
  return (await readdir(directory)).sort();
}

beforeEach(async () => {
  directory = join(await mkdtemp(join(tmpdir(), "relance-outbox-")), "outbox");
  registry = new PluginRegistry().register(outboxPlugin);
  clock = manualClock("2026-11-22T10:51:07.123Z");
});

afterEach(async () => {
  await rm(join(directory, ".."), { recursive: true, force: true });
});

describe("outbox send", () => {
  it("writes a standards-conforming .eml that parses back with accents intact", async () => {
    const plugin = await outbox();
    const result = await plugin.send(message, { idempotencyKey: "debtor:tenant-1:conn-1:C42:step-2" });

    expect(result.status).toBe("delivered");
    expect(result.externalId).toBe("debtor~3Atenant-1~3Aconn-1~3AC42~3Astep-2.eml");
    expect(await emlFiles()).toEqual([result.externalId]);

    const raw = await readFile(join(directory, result.externalId));
    const text = raw.toString("utf8");
    // CRLF line endings only, lines within the RFC 5322 limit, headers in plain ASCII.
    expect(text.replace(/\r\n/g, "")).not.toMatch(/[\r\n]/);
    for (const line of text.split("\r\n")) expect(line.length).toBeLessThanOrEqual(998);
    const head = text.slice(0, text.indexOf("\r\n\r\n"));
    expect(head).toMatch(/^[\x20-\x7e\r\n\t]*$/);
    for (const line of head.split("\r\n")) expect(line.length).toBeLessThanOrEqual(78);
    expect(head).toContain("Subject: =?UTF-8?B?");
    expect(head).toContain("Date: Sun, 22 Nov 2026 10:51:07 +0000");
    expect(head).toMatch(/Content-Type: multipart\/alternative;\r\n boundary="=_relance_[0-9a-f]+"/);

    const email = await PostalMime.parse(raw);
    expect(email.subject).toBe(message.subject);
    expect(email.from).toEqual({ name: message.from.name, address: "compta@fournisseur.example" });
    expect(email.to).toEqual([{ name: "Hélène Dupré", address: "helene@client.example" }]);
    expect(email.replyTo).toEqual([{ name: "", address: "relances@fournisseur.example" }]);
    expect(email.messageId).toBe("<msg_01HZX4@relance.local>");
    expect(new Date(email.date ?? "").toISOString()).toBe("2026-11-22T10:51:07.000Z");
    expect(email.text?.replace(/\r\n/g, "\n").trimEnd()).toBe(message.text);
    expect(email.html?.trimEnd()).toBe(message.html);
    const header = (key: string) => email.headers.find((entry) => entry.key === key)?.value;
    expect(header("mime-version")).toBe("1.0");
    expect(header("x-relance-message-id")).toBe("msg_01HZX4");
    expect(header("x-relance-idempotency-key")).toBe("debtor:tenant-1:conn-1:C42:step-2");
  });

  it("writes a single text/plain part when there is no html", async () => {
    const plugin = await outbox();
    const { html: _html, ...textOnly } = message;
    const result = await plugin.send(textOnly, { idempotencyKey: "k-text" });
    const raw = await readFile(join(directory, result.externalId), "utf8");
    expect(raw).not.toContain("multipart");
    expect(raw).toContain("Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: quoted-printable");
    const email = await PostalMime.parse(raw);
    expect(email.html).toBeUndefined();
    expect(email.text?.replace(/\r\n/g, "\n").trimEnd()).toBe(message.text);
  });

  it("keeps long lines and long subjects intact through folding and soft line breaks", async () => {
    const plugin = await outbox();
    const subject = Array.from({ length: 30 }, (_, i) => `word${i}`).join(" ");
    const longLine = `${"é".repeat(120)} ${"x".repeat(300)}=end `;
    const result = await plugin.send({ ...message, subject, text: longLine, html: undefined }, { idempotencyKey: "k-long" });
    const raw = await readFile(join(directory, result.externalId), "utf8");
    for (const line of raw.split("\r\n")) expect(line.length).toBeLessThanOrEqual(78);
    const email = await PostalMime.parse(raw);
    expect(email.subject).toBe(subject);
    expect(email.text?.replace(/\r?\n$/, "")).toBe(longLine);
  });

  it("cannot be tricked into writing extra headers", async () => {
    const plugin = await outbox();
    const subject = "Facture\r\nBcc: attacker@evil.example";
    const result = await plugin.send({ ...message, subject }, { idempotencyKey: "k-inject" });
    const raw = await readFile(join(directory, result.externalId), "utf8");
    const email = await PostalMime.parse(raw);
    expect(email.bcc).toBeUndefined();
    expect(email.headers.some((entry) => entry.key === "bcc")).toBe(false);
    expect(email.subject).toContain("attacker@evil.example");
  });

  it("writes a postal-only recipient as an empty group and keeps the address in a header", async () => {
    const plugin = await outbox();
    const postal: OutboundMessage = {
      ...message,
      to: { name: "SARL Dupré", address: { lines: ["12 rue de l'Église"], postalCode: "75004", city: "Paris", country: "FR" } },
    };
    const result = await plugin.send(postal, { idempotencyKey: "k-postal" });
    const raw = await readFile(join(directory, result.externalId), "utf8");
    expect(raw).toContain("To: undisclosed-recipients:;");
    const email = await PostalMime.parse(raw);
    expect(decodeWords(email.headers.find((entry) => entry.key === "x-relance-postal-address")?.value ?? "")).toBe(
      "SARL Dupré, 12 rue de l'Église, 75004, Paris, FR",
    );
  });

  it("rejects a recipient it cannot address, and a malformed address", async () => {
    const plugin = await outbox();
    const nowhere = plugin.send({ ...message, to: { name: "Nobody" } }, { idempotencyKey: "k-none" });
    await expect(nowhere).rejects.toMatchObject({ code: "validation_failed", retryable: false });
    const bad = plugin.send(
      { ...message, to: { name: "X", email: "x@y.example>\r\nBcc: z@evil.example" } },
      { idempotencyKey: "k-bad" },
    );
    await expect(bad).rejects.toBeInstanceOf(RelanceError);
    await expect(bad).rejects.toMatchObject({ code: "validation_failed" });
    // Nothing was written for either.
    await expect(readdir(directory)).rejects.toMatchObject({ code: "ENOENT" });
  });
});

describe("outbox idempotency", () => {
  it("returns the file already written for a key instead of writing a second one", async () => {
    const plugin = await outbox();
    const first = await plugin.send(message, { idempotencyKey: "debtor:t:c:1:step-1" });
    clock.advance(60_000);
    const second = await plugin.send({ ...message, subject: "changed" }, { idempotencyKey: "debtor:t:c:1:step-1" });
    expect(second).toEqual(first);
    expect(await emlFiles()).toEqual([first.externalId]);

    const third = await plugin.send(message, { idempotencyKey: "debtor:t:c:1:step-2" });
    expect(third.externalId).not.toBe(first.externalId);
    expect(await emlFiles()).toHaveLength(2);
  });

  it("findSent finds what send wrote and nothing else", async () => {
    const plugin = await outbox();
    expect(await plugin.findSent?.(message, { idempotencyKey: "k-1" })).toBeUndefined();
    const sent = await plugin.send(message, { idempotencyKey: "k-1" });
    expect(await plugin.findSent?.(message, { idempotencyKey: "k-1" })).toEqual(sent);
    expect(await plugin.findSent?.(message, { idempotencyKey: "k-2" })).toBeUndefined();
  });

  it("gives keys that differ only by special characters different files", async () => {
    const plugin = await outbox();
    const keys = ["a:b", "a/b", "a~3Ab", "a b", "a:b:é"];
    const results = [];
    for (const key of keys) results.push(await plugin.send(message, { idempotencyKey: key }));
    expect(new Set(results.map((result) => result.externalId)).size).toBe(keys.length);
    for (const [index, key] of keys.entries()) {
      expect(await plugin.findSent?.(message, { idempotencyKey: key })).toEqual(results[index]);
    }
  });

  it("keeps very long keys within file-name limits and still tells them apart", async () => {
    const plugin = await outbox();
    const base = "debtor:tenant:connection:".repeat(20);
    const one = await plugin.send(message, { idempotencyKey: `${base}step-1` });
    const two = await plugin.send(message, { idempotencyKey: `${base}step-2` });
    expect(one.externalId.length).toBeLessThanOrEqual(255);
    expect(one.externalId).not.toBe(two.externalId);
    expect(await plugin.findSent?.(message, { idempotencyKey: `${base}step-2` })).toEqual(two);
  });
});

describe("outbox atomic writes", () => {
  it("leaves no temporary file behind and ignores one left by a crashed write", async () => {
    const plugin = await outbox();
    await plugin.send(message, { idempotencyKey: "warm-up" });
    // What a write interrupted before its rename leaves: a hidden partial file for the same key.
    const partial = `.20261122T105107123Z-k-crash.eml.abcdef.tmp`;
    await writeFile(join(directory, partial), "Date: Sun, 22 Nov");
    expect(await plugin.findSent?.(message, { idempotencyKey: "k-crash" })).toBeUndefined();

    const result = await plugin.send(message, { idempotencyKey: "k-crash" });
    const files = await emlFiles();
    expect(files.filter((name) => name.endsWith(".tmp"))).toEqual([partial]);
    expect(files).toContain(result.externalId);
    const email = await PostalMime.parse(await readFile(join(directory, result.externalId)));
    expect(email.subject).toBe(message.subject);
  });
});

describe("outbox as a letter provider", () => {
  const address = { lines: ["12 rue de l'Église", "Bâtiment B"], postalCode: "75004", city: "Paris", country: "FR" };
  const letter: OutboundMessage = {
    ...message,
    to: { name: "SARL Dupré", email: "compta@dupre.example", address },
    from: { ...message.from, address: { lines: ["1 avenue de la Gare"], postalCode: "69002", city: "Lyon", country: "FR" } },
  };
  const header = (email: Awaited<ReturnType<typeof PostalMime.parse>>, key: string) =>
    email.headers.find((entry) => entry.key === key)?.value;

  it("reports the channel it was configured for, email by default", async () => {
    expect((await outbox()).channel).toBe("email");
    expect((await letterOutbox()).channel).toBe("letter");
  });

  it("writes a viewable .eml addressed by post, with the address even when the recipient has an email", async () => {
    const plugin = await letterOutbox();
    const result = await plugin.send(letter, { idempotencyKey: "debtor:t:c:C42:letter-1" });
    expect(result).toEqual({ externalId: "debtor~3At~3Ac~3AC42~3Aletter-1.eml", status: "delivered" });
    expect(await emlFiles()).toEqual([result.externalId]);

    const raw = await readFile(join(directory, result.externalId), "utf8");
    const head = raw.slice(0, raw.indexOf("\r\n\r\n"));
    expect(head).toMatch(/^[\x20-\x7e\r\n\t]*$/);
    for (const line of head.split("\r\n")) expect(line.length).toBeLessThanOrEqual(78);
    // A letter is not emailed: the recipient's email is left out of To.
    expect(head).toContain("To: undisclosed-recipients:;");
    expect(head).not.toContain("compta@dupre.example");

    const email = await PostalMime.parse(raw);
    expect(email.subject).toBe(letter.subject);
    expect(email.text?.replace(/\r\n/g, "\n").trimEnd()).toBe(letter.text);
    expect(email.html?.trimEnd()).toBe(letter.html);
    expect(header(email, "x-relance-channel")).toBe("letter");
    expect(decodeWords(header(email, "x-relance-postal-address") ?? "")).toBe(
      "SARL Dupré, 12 rue de l'Église, Bâtiment B, 75004, Paris, FR",
    );
    expect(header(email, "x-relance-registered")).toBeUndefined();
    expect(header(email, "x-relance-idempotency-key")).toBe("debtor:t:c:C42:letter-1");
  });

  it("marks a registered letter only when the metadata asks for it", async () => {
    const plugin = await letterOutbox();
    const registered = await plugin.send({ ...letter, metadata: { registered: "true" } }, { idempotencyKey: "k-registered" });
    const ordinary = await plugin.send({ ...letter, metadata: { registered: "yes" } }, { idempotencyKey: "k-ordinary" });
    const parse = async (name: string) => PostalMime.parse(await readFile(join(directory, name)));
    expect(header(await parse(registered.externalId), "x-relance-registered")).toBe("yes");
    expect(header(await parse(ordinary.externalId), "x-relance-registered")).toBeUndefined();
  });

  it("sends a letter to a recipient with no email, or with an email it could not use", async () => {
    const plugin = await letterOutbox();
    const abroad = { lines: ["350 Fifth Avenue"], postalCode: "10118", city: "New York", region: "NY", country: "US" };
    const postalOnly = await plugin.send(
      { ...letter, to: { name: "Dupré Inc.", address: abroad } },
      { idempotencyKey: "k-postal-only" },
    );
    const badEmail = await plugin.send(
      { ...letter, to: { name: "SARL Dupré", email: "not an email>\r\nBcc: z@evil.example", address } },
      { idempotencyKey: "k-bad-email" },
    );
    const expected = [
      "Dupré Inc., 350 Fifth Avenue, 10118, New York, NY, US",
      "SARL Dupré, 12 rue de l'Église, Bâtiment B, 75004, Paris, FR",
    ];
    for (const [index, result] of [postalOnly, badEmail].entries()) {
      const email = await PostalMime.parse(await readFile(join(directory, result.externalId)));
      expect(email.bcc).toBeUndefined();
      expect(header(email, "x-relance-channel")).toBe("letter");
      expect(decodeWords(header(email, "x-relance-postal-address") ?? "")).toBe(expected[index]);
    }
  });

  it("refuses a recipient without a postal address, naming to.address, and writes nothing", async () => {
    const plugin = await letterOutbox();
    const attempt = plugin.send(
      { ...letter, to: { name: "SARL Dupré", email: "compta@dupre.example" } },
      { idempotencyKey: "k-x" },
    );
    await expect(attempt).rejects.toBeInstanceOf(RelanceError);
    await expect(attempt).rejects.toMatchObject({
      code: "validation_failed",
      retryable: false,
      issues: [expect.objectContaining({ path: "to.address" })],
    });
    await expect(readdir(directory)).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("keeps the email mode's headers free of letter markers", async () => {
    const plugin = await outbox();
    const result = await plugin.send({ ...letter, metadata: { registered: "true" } }, { idempotencyKey: "k-email" });
    const email = await PostalMime.parse(await readFile(join(directory, result.externalId)));
    expect(email.to).toEqual([{ name: "SARL Dupré", address: "compta@dupre.example" }]);
    expect(header(email, "x-relance-channel")).toBeUndefined();
    expect(header(email, "x-relance-registered")).toBeUndefined();
    expect(header(email, "x-relance-postal-address")).toBeUndefined();
  });

  it("is exactly-once per key, as the email mode is", async () => {
    const plugin = await letterOutbox();
    const first = await plugin.send(letter, { idempotencyKey: "k-once" });
    const again = await plugin.send({ ...letter, subject: "changed" }, { idempotencyKey: "k-once" });
    expect(again).toEqual(first);
    expect(await plugin.findSent?.(letter, { idempotencyKey: "k-once" })).toEqual(first);
    expect(await emlFiles()).toEqual([first.externalId]);
    const email = await PostalMime.parse(await readFile(join(directory, first.externalId)));
    expect(email.subject).toBe(letter.subject);
  });
});

describe("outbox manifest", () => {
  it("rejects a channel it cannot play, naming the field", async () => {
    const attempt = registry.create("outbox", "channel", { config: { directory, channel: "sms" }, secrets: {}, logger: silent });
    await expect(attempt).rejects.toMatchObject({
      code: "validation_failed",
      issues: [expect.objectContaining({ path: "config.channel" })],
    });
  });

  it("rejects a missing or relative directory, naming the field", async () => {
    for (const config of [{}, { directory: "relative/outbox" }]) {
      const attempt = registry.create("outbox", "channel", { config, secrets: {}, logger: silent });
      await expect(attempt).rejects.toMatchObject({
        code: "validation_failed",
        issues: [expect.objectContaining({ path: "config.directory" })],
      });
    }
  });
});
