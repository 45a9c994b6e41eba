/**
 * File naming and atomic writes for the claims folder. The naming is the outbox channel's
 * (plugins/outbox/src/files.ts), kept in step by hand: plugins import the core, not each other.
 */
import { createHash, randomBytes } from "node:crypto";
import { appendFile, link, mkdir, open, readFile, rename, stat, unlink } from "node:fs/promises";
import { join } from "node:path";

const KEEP = /[A-Za-z0-9._-]/;
/** Leaves room for the suffix and temporary-file decorations within the usual 255-byte name limit. */
const MAX_KEY_PART = 200;
/** Everything `keyPart` can produce, and nothing that could leave the folder (no "/", no NUL). */
const KEY_PART = /^[A-Za-z0-9._~-]{1,200}$/;

/**
 * The idempotency key as a portable file-name part. Injective: kept characters stay, every other
 * byte becomes "~XX", and "~" itself is escaped, so two keys never share a name. Very long keys are
 * cut and suffixed with a hash of the whole key.
 */
export function keyPart(idempotencyKey: string): string {
  const escaped = [...Buffer.from(idempotencyKey, "utf8")]
    .map((byte) => {
      const char = String.fromCharCode(byte);
      return KEEP.test(char) ? char : `~${byte.toString(16).toUpperCase().padStart(2, "0")}`;
    })
    .join("");
  if (escaped.length <= MAX_KEY_PART) return escaped;
  const hash = createHash("sha256").update(idempotencyKey, "utf8").digest("hex").slice(0, 32);
  return `${escaped.slice(0, MAX_KEY_PART - hash.length - 1)}~${hash}`;
}

/** Whether `name` could have come out of `keyPart` (so it is safe to join onto a folder). */
export function isKeyPart(name: string): boolean {
  return KEY_PART.test(name);
}

/** Whether a file exists; any error other than "no such file" is thrown. */
export async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw error;
  }
}

/** The contents of a file, or undefined when there is none. */
export async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

/** Writes and flushes a hidden temporary file next to `name`; returns its path. */
async function writeTemporary(directory: string, name: string, content: string): Promise<string> {
  await mkdir(directory, { recursive: true });
  const temporary = join(directory, `.${name}.${randomBytes(6).toString("hex")}.tmp`);
  const handle = await open(temporary, "wx");
  try {
    await handle.writeFile(content, "utf8");
    await handle.sync();
  } finally {
    await handle.close();
  }
  return temporary;
}

/**
 * Writes `content` under `name` so that readers see either no file or the whole file, and never
 * replaces an existing one: the bytes go to a hidden temporary file in the same folder, are flushed,
 * then hard-linked into place (which fails if the name exists). Returns false when it already existed.
 */
export async function writeAtomically(directory: string, name: string, content: string): Promise<boolean> {
  const temporary = await writeTemporary(directory, name, content);
  try {
    await link(temporary, join(directory, name));
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  } finally {
    await unlink(temporary).catch(() => undefined);
  }
}

/** Writes `content` under `name`, replacing what was there, so readers see the old or the new file whole. */
export async function replaceAtomically(directory: string, name: string, content: string): Promise<void> {
  const temporary = await writeTemporary(directory, name, content);
  try {
    await rename(temporary, join(directory, name));
  } catch (error) {
    await unlink(temporary).catch(() => undefined);
    throw error;
  }
}

/** Appends one line (a single `write` with O_APPEND, so concurrent appends do not interleave). */
export async function appendLine(path: string, line: string): Promise<void> {
  await appendFile(path, `${line}\n`, "utf8");
}
