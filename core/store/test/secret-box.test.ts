import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Logger } from "@relance/core";
import {
  DEV_KEY_FILE,
  decryptSecret,
  encryptSecret,
  envelopeKeyId,
  formatKeyring,
  generateKeyring,
  loadKeyring,
  parseKeyring,
  reencryptSecret,
} from "@relance/store";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

function recordingLogger(): Logger & { lines: { level: string; fields: Record<string, unknown>; message?: string }[] } {
  const lines: { level: string; fields: Record<string, unknown>; message?: string }[] = [];
  const log = (level: string) => (fields: Record<string, unknown>, message?: string) => lines.push({ level, fields, message });
  return { lines, debug: log("debug"), info: log("info"), warn: log("warn"), error: log("error") };
}

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error("expected a throw");
}

const KEY_A = Buffer.alloc(32, 1).toString("base64");
const KEY_B = Buffer.alloc(32, 2).toString("base64");

describe("secret box", () => {
  it("round-trips a secret through a v1 envelope naming the key", () => {
    const keyring = generateKeyring("main");
    const envelope = encryptSecret(keyring, '{"apiKey":"SG.secret"}', "ctx");
    expect(envelope.startsWith("v1:main:")).toBe(true);
    expect(envelope).not.toContain("SG.secret");
    expect(envelopeKeyId(envelope)).toBe("main");
    expect(decryptSecret(keyring, envelope, "ctx")).toBe('{"apiKey":"SG.secret"}');
    // A fresh IV each time: the same plaintext never gives the same envelope.
    expect(encryptSecret(keyring, '{"apiKey":"SG.secret"}', "ctx")).not.toBe(envelope);
  });

  it("detects tampering with the ciphertext, the tag, the IV or the context", () => {
    const keyring = generateKeyring();
    const envelope = encryptSecret(keyring, "a secret value", "tenant-a");
    const parts = envelope.split(":");
    for (const index of [2, 3, 4]) {
      const bytes = Buffer.from(parts[index] as string, "base64url");
      bytes[0] = (bytes[0] as number) ^ 0x01;
      const tampered = [...parts];
      tampered[index] = bytes.toString("base64url");
      expect(() => decryptSecret(keyring, tampered.join(":"), "tenant-a")).toThrow(/failed authentication/);
    }
    expect(() => decryptSecret(keyring, envelope, "tenant-b")).toThrow(/failed authentication/);
  });

  it("refuses an envelope under a key id the keyring does not hold, and a wrong key under a known id", () => {
    const envelope = encryptSecret(generateKeyring("old"), "x");
    expect(() => decryptSecret(generateKeyring("new"), envelope)).toThrow(/key "old"/);
    expect(() => decryptSecret(generateKeyring("old"), envelope)).toThrow(/failed authentication/);
    expect(() => decryptSecret(generateKeyring(), "v2:k1:a:b:c")).toThrow(/not a v1 envelope/);
  });

  it("rotates: old envelopes stay readable and reencrypt moves them to the primary key", () => {
    const before = parseKeyring(`k1:${KEY_A}`);
    const envelope = encryptSecret(before, "token", "c");
    const after = parseKeyring(`k2:${KEY_B},k1:${KEY_A}`);
    expect(after.primaryKeyId).toBe("k2");
    expect(decryptSecret(after, envelope, "c")).toBe("token");
    const rotated = reencryptSecret(after, envelope, "c");
    expect(envelopeKeyId(rotated)).toBe("k2");
    expect(decryptSecret(parseKeyring(`k2:${KEY_B}`), rotated, "c")).toBe("token");
    expect(reencryptSecret(after, rotated, "c")).toBe(rotated);
  });

  it("parses a bare base64 key as k1 and validates key length and syntax", () => {
    const keyring = parseKeyring(KEY_A);
    expect(keyring.primaryKeyId).toBe("k1");
    expect(keyring.keys.get("k1")?.equals(Buffer.alloc(32, 1))).toBe(true);
    expect(parseKeyring(formatKeyring(keyring)).keys.get("k1")?.equals(Buffer.alloc(32, 1))).toBe(true);
    expect(() => parseKeyring(Buffer.alloc(16).toString("base64"))).toThrow(/16 bytes once decoded, it must be 32/);
    expect(() => parseKeyring("k1:not base64!")).toThrow(/not base64/);
    expect(() => parseKeyring(`k1:${KEY_A},k1:${KEY_B}`)).toThrow(/appears twice/);
    expect(() => parseKeyring(`bad id:${KEY_A}`)).toThrow(/key id/);
    expect(thrown(() => parseKeyring("k1:abc"))).toMatchObject({
      code: "misconfigured",
      message: expect.stringContaining("openssl rand -base64 32"),
    });
  });

  describe("loadKeyring", () => {
    let dataDir: string;
    beforeEach(async () => {
      dataDir = await mkdtemp(join(tmpdir(), "relance-keys-"));
    });
    afterEach(async () => {
      await rm(dataDir, { recursive: true, force: true });
    });

    it("uses RELANCE_SECRET_KEY when set, without touching the data directory", async () => {
      const logger = recordingLogger();
      const keyring = await loadKeyring({ secretKey: `prod:${KEY_A}`, devMode: true, dataDir, logger });
      expect(keyring.primaryKeyId).toBe("prod");
      await expect(stat(join(dataDir, DEV_KEY_FILE))).rejects.toMatchObject({ code: "ENOENT" });
      expect(logger.lines).toEqual([]);
    });

    it("fails closed without a key outside development mode", async () => {
      const logger = recordingLogger();
      await expect(loadKeyring({ devMode: false, dataDir, logger })).rejects.toMatchObject({
        code: "misconfigured",
        message: expect.stringMatching(/RELANCE_SECRET_KEY is required.*openssl rand -base64 32/s),
      });
      await expect(loadKeyring({ secretKey: "  ", devMode: false, dataDir, logger })).rejects.toMatchObject({
        code: "misconfigured",
      });
      await expect(stat(join(dataDir, DEV_KEY_FILE))).rejects.toMatchObject({ code: "ENOENT" });
    });

    it("creates a private development key once, reuses it, and warns without logging the key", async () => {
      const logger = recordingLogger();
      const first = await loadKeyring({ devMode: true, dataDir, logger });
      const file = join(dataDir, DEV_KEY_FILE);
      expect((await stat(file)).mode & 0o777).toBe(0o600);
      const second = await loadKeyring({ devMode: true, dataDir, logger });
      expect(second.primaryKeyId).toBe(first.primaryKeyId);
      expect(second.keys.get(second.primaryKeyId)?.equals(first.keys.get(first.primaryKeyId) as Buffer)).toBe(true);
      expect(decryptSecret(second, encryptSecret(first, "kept"))).toBe("kept");
      expect(logger.lines.map((line) => line.level)).toEqual(["warn", "warn"]);
      const keyText = (await readFile(file, "utf8")).trim().split(":")[1] as string;
      expect(JSON.stringify(logger.lines)).not.toContain(keyText);
      expect(logger.lines[0]?.message).toMatch(/RELANCE_SECRET_KEY is not set/);
    });
  });
});
