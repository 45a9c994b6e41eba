/**
 * Encryption of secrets at rest: AES-256-GCM with a random 96-bit IV per message, in a versioned envelope
 * `v1:<keyId>:<iv>:<ciphertext>:<tag>` (base64url parts). The key id travels in the envelope so old
 * envelopes stay readable after the primary key changes, and `reencrypt` moves them to the new one.
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type Logger, RelanceError } from "@relance/core";

export interface Keyring {
  readonly primaryKeyId: string;
  readonly keys: ReadonlyMap<string, Buffer>;
}

const VERSION = "v1";
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;
// Standard or URL-safe alphabet; Node's base64 decoder reads both.
const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;

export const SECRET_KEY_HELP =
  "Generate one with `openssl rand -base64 32` (or `node -e \"console.log(require('node:crypto').randomBytes(32).toString('base64'))\"`) " +
  'and set RELANCE_SECRET_KEY to it, or to "keyId:base64key[,keyId:base64key…]" (the first key encrypts, the others only decrypt).';

function misconfigured(message: string): RelanceError {
  return new RelanceError("misconfigured", `${message}. ${SECRET_KEY_HELP}`);
}

function decodeKey(keyId: string, encoded: string): Buffer {
  if (!KEY_ID.test(keyId)) {
    throw misconfigured(`RELANCE_SECRET_KEY: key id "${keyId}" must be 1-32 letters, digits, "_" or "-"`);
  }
  const trimmed = encoded.trim();
  if (!BASE64.test(trimmed)) throw misconfigured(`RELANCE_SECRET_KEY: key "${keyId}" is not base64`);
  const key = Buffer.from(trimmed, "base64");
  if (key.length !== KEY_BYTES) {
    throw misconfigured(`RELANCE_SECRET_KEY: key "${keyId}" is ${key.length} bytes once decoded, it must be ${KEY_BYTES}`);
  }
  return key;
}

/**
 * Parses "keyId:base64key[,keyId:base64key…]" (the first key is the primary) or a single base64 key,
 * which gets the id "k1".
 */
export function parseKeyring(text: string): Keyring {
  const entries = text
    .split(",")
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0);
  if (entries.length === 0) throw misconfigured("RELANCE_SECRET_KEY is empty");
  const keys = new Map<string, Buffer>();
  for (const entry of entries) {
    const colon = entry.indexOf(":");
    const [keyId, encoded] = colon === -1 ? ["k1", entry] : [entry.slice(0, colon), entry.slice(colon + 1)];
    if (colon === -1 && entries.length > 1) {
      throw misconfigured("RELANCE_SECRET_KEY: with several keys, each must be written keyId:base64key");
    }
    if (keys.has(keyId)) throw misconfigured(`RELANCE_SECRET_KEY: key id "${keyId}" appears twice`);
    keys.set(keyId, decodeKey(keyId, encoded));
  }
  const primaryKeyId = keys.keys().next().value as string;
  return { primaryKeyId, keys };
}

/** A fresh random keyring with one key; for tests and for the development key file. */
export function generateKeyring(keyId = "k1"): Keyring {
  return { primaryKeyId: keyId, keys: new Map([[keyId, randomBytes(KEY_BYTES)]]) };
}

/** The keyring in the RELANCE_SECRET_KEY format; it holds key material, so never log it. */
export function formatKeyring(keyring: Keyring): string {
  const ordered = [keyring.primaryKeyId, ...[...keyring.keys.keys()].filter((id) => id !== keyring.primaryKeyId)];
  return ordered.map((id) => `${id}:${keyring.keys.get(id)?.toString("base64")}`).join(",");
}

export interface LoadKeyringOptions {
  /** The value of RELANCE_SECRET_KEY, if set. */
  readonly secretKey?: string;
  /** Development mode may create and reuse a key file in the data directory instead. */
  readonly devMode: boolean;
  readonly dataDir: string;
  readonly logger: Logger;
}

export const DEV_KEY_FILE = "secret.key";

/**
 * The keyring from RELANCE_SECRET_KEY. Without it, production refuses to start (fail closed) and
 * development creates `<dataDir>/secret.key` (mode 0600) once and reuses it.
 */
export async function loadKeyring(options: LoadKeyringOptions): Promise<Keyring> {
  const configured = options.secretKey?.trim();
  if (configured) return parseKeyring(configured);
  if (!options.devMode) {
    throw misconfigured("RELANCE_SECRET_KEY is required to encrypt connection secrets and is not set");
  }
  const file = join(options.dataDir, DEV_KEY_FILE);
  await mkdir(options.dataDir, { recursive: true });
  try {
    await writeFile(file, `${formatKeyring(generateKeyring("dev"))}\n`, { mode: 0o600, flag: "wx" });
    options.logger.warn(
      { file },
      "RELANCE_SECRET_KEY is not set: created a development key in this file to encrypt connection secrets. Keep it, and set RELANCE_SECRET_KEY in production.",
    );
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    options.logger.warn(
      { file },
      "RELANCE_SECRET_KEY is not set: using the development key in this file. Set RELANCE_SECRET_KEY in production.",
    );
  }
  const text = await readFile(file, "utf8");
  try {
    return parseKeyring(text);
  } catch (error) {
    throw new RelanceError("misconfigured", `the development key file ${file} is damaged: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

function aad(keyId: string, context: string): Buffer {
  return Buffer.from(`${VERSION}:${keyId}:${context}`, "utf8");
}

/**
 * Encrypts with the primary key. `context` (e.g. the owning tenant) is authenticated but not stored:
 * decrypting with another context fails, so an envelope copied to another row is useless.
 */
export function encryptSecret(keyring: Keyring, plaintext: string, context = ""): string {
  const keyId = keyring.primaryKeyId;
  const key = keyring.keys.get(keyId);
  if (!key) throw new RelanceError("misconfigured", `the primary key "${keyId}" is not in the keyring`);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad(keyId, context));
  const ciphertext = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  const tag = cipher.getAuthTag();
  return [VERSION, keyId, iv.toString("base64url"), ciphertext.toString("base64url"), tag.toString("base64url")].join(":");
}

function splitEnvelope(envelope: string): { keyId: string; iv: Buffer; ciphertext: Buffer; tag: Buffer } {
  const parts = envelope.split(":");
  if (parts.length !== 5 || parts[0] !== VERSION) {
    throw new RelanceError("internal", "encrypted secret is not a v1 envelope");
  }
  const [, keyId, iv, ciphertext, tag] = parts as [string, string, string, string, string];
  return {
    keyId,
    iv: Buffer.from(iv, "base64url"),
    ciphertext: Buffer.from(ciphertext, "base64url"),
    tag: Buffer.from(tag, "base64url"),
  };
}

/** The key id an envelope was encrypted with (it is stored in clear for rotation). */
export function envelopeKeyId(envelope: string): string {
  return splitEnvelope(envelope).keyId;
}

export function decryptSecret(keyring: Keyring, envelope: string, context = ""): string {
  const { keyId, iv, ciphertext, tag } = splitEnvelope(envelope);
  const key = keyring.keys.get(keyId);
  if (!key) {
    throw new RelanceError(
      "misconfigured",
      `a secret is encrypted with key "${keyId}", which RELANCE_SECRET_KEY does not hold (add it after the primary key)`,
    );
  }
  if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) {
    throw new RelanceError("internal", "encrypted secret is malformed");
  }
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(aad(keyId, context));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString("utf8");
  } catch (error) {
    throw new RelanceError("internal", "encrypted secret failed authentication (tampered, or wrong key or context)", {
      cause: error,
    });
  }
}

/** Re-encrypts an envelope with the primary key; returns it unchanged when it already uses it. */
export function reencryptSecret(keyring: Keyring, envelope: string, context = ""): string {
  if (envelopeKeyId(envelope) === keyring.primaryKeyId) return envelope;
  return encryptSecret(keyring, decryptSecret(keyring, envelope, context), context);
}
