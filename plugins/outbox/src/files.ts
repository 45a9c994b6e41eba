/** File naming and atomic writes for the outbox folder. */
import { createHash, randomBytes } from "node:crypto";
import { link, mkdir, open, stat, unlink } from "node:fs/promises";
import { join } from "node:path";

const KEEP = /[A-Za-z0-9._-]/;
/** Leaves room for the suffix and temporary-file decorations within the usual 255-byte name limit. */
const MAX_KEY_PART = 200;

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

/** The file of a key's message: derived from the key alone, so finding it is one `stat`, not a scan. */
export function sentFileName(idempotencyKey: string): string {
  return `${keyPart(idempotencyKey)}.eml`;
}

/** The file already written for this key, if any. */
export async function findSentFile(directory: string, idempotencyKey: string): Promise<string | undefined> {
  const name = sentFileName(idempotencyKey);
  try {
    await stat(join(directory, name));
    return name;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

/**
 * Writes `content` under `name` so that readers see either no file or the whole file, and never
 * replaces an existing one: the bytes go to a hidden temporary file in the same folder, are flushed,
 * then hard-linked into place (which fails if the name exists). Returns false when it already existed.
 */
export async function writeAtomically(directory: string, name: string, content: string): Promise<boolean> {
  const temporary = join(directory, `.${name}.${randomBytes(6).toString("hex")}.tmp`);
  // The folder is made on the first write (or again if someone removed it), not checked on every one.
  const handle = await open(temporary, "wx").catch(async (error: NodeJS.ErrnoException) => {
    if (error.code !== "ENOENT") throw error;
    await mkdir(directory, { recursive: true });
    return open(temporary, "wx");
  });
  try {
    await handle.writeFile(content, "utf8");
    await handle.sync();
  } finally {
    await handle.close();
  }
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
