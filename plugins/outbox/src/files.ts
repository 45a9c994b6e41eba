/** File naming and atomic writes for the outbox folder. */
import { createHash, randomBytes } from "node:crypto";
import { mkdir, open, readdir, rename, unlink } from "node:fs/promises";
import { join } from "node:path";

const KEEP = /[A-Za-z0-9._-]/;
/** Leaves room for the timestamp prefix within the usual 255-byte file name limit. */
const MAX_KEY_PART = 200;
const SENT_FILE = /^(\d{8}T\d{9}Z)-(.+)\.eml$/;

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

/** "20261122T105100123Z": sortable, no characters file systems reject. */
export function fileTimestamp(date: Date): string {
  return date.toISOString().replace(/[-:.]/g, "");
}

export function sentFileName(date: Date, idempotencyKey: string): string {
  return `${fileTimestamp(date)}-${keyPart(idempotencyKey)}.eml`;
}

/** The file already written for this key, if any. Temporary files (dot-prefixed) never match. */
export async function findSentFile(directory: string, idempotencyKey: string): Promise<string | undefined> {
  const wanted = keyPart(idempotencyKey);
  let names: string[];
  try {
    names = await readdir(directory);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  return names.filter((name) => SENT_FILE.exec(name)?.[2] === wanted).sort()[0];
}

/**
 * Writes `content` under `name` so that readers see either no file or the whole file: the bytes go
 * to a hidden temporary file in the same folder, are flushed to disk, then renamed into place.
 */
export async function writeAtomically(directory: string, name: string, content: string): Promise<void> {
  await mkdir(directory, { recursive: true });
  const temporary = join(directory, `.${name}.${randomBytes(6).toString("hex")}.tmp`);
  const handle = await open(temporary, "wx");
  try {
    await handle.writeFile(content, "utf8");
    await handle.sync();
  } catch (error) {
    await handle.close();
    await unlink(temporary).catch(() => undefined);
    throw error;
  }
  await handle.close();
  try {
    await rename(temporary, join(directory, name));
  } catch (error) {
    await unlink(temporary).catch(() => undefined);
    throw error;
  }
}
