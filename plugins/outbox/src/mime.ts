/**
 * A small RFC 5322 / MIME writer: just what the outbox needs to produce messages that any mail
 * reader opens (CRLF line endings, folded headers, RFC 2047 encoded words, quoted-printable bodies).
 */
import { randomBytes } from "node:crypto";

const CRLF = "\r\n";
const MAX_LINE = 78;
/** Bytes of UTF-8 per "=?UTF-8?B?…?=" word: 45 bytes are 60 base64 characters, a 72-character word. */
const WORD_BYTES = 45;
const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;
const ATOM_PHRASE = /^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~ ]*$/;
const ADDR_SPEC = /^[^\s<>()[\]\\,;:"@]+@[^\s<>()[\]\\,;:"@]+$/;

export interface MimeAddress {
  readonly name?: string;
  readonly email: string;
}

export interface MimeMessage {
  readonly date: Date;
  readonly from: MimeAddress;
  /** Absent for a recipient without an email address: written as an empty group. */
  readonly to: MimeAddress | undefined;
  readonly replyTo?: string;
  readonly subject: string;
  readonly messageId: string;
  readonly text: string;
  readonly html?: string;
  /** Extra unstructured headers (name → value), written after the standard ones. */
  readonly headers: Readonly<Record<string, string>>;
}

const pad = (value: number, width = 2) => String(value).padStart(width, "0");

/** RFC 5322 §3.3 date-time, in UTC with a numeric zone ("GMT" is the obsolete form). */
export function formatDate(date: Date): string {
  return (
    `${DAYS[date.getUTCDay()]}, ${pad(date.getUTCDate())} ${MONTHS[date.getUTCMonth()]} ${date.getUTCFullYear()} ` +
    `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`
  );
}

/** Splits text into UTF-8 chunks of at most `firstBytes` then `maxBytes`, never inside a character. */
function utf8Chunks(text: string, firstBytes: number, maxBytes: number): Buffer[] {
  const chunks: Buffer[] = [];
  let current: number[] = [];
  for (const char of text) {
    const bytes = Buffer.from(char, "utf8");
    const limit = chunks.length === 0 ? firstBytes : maxBytes;
    if (current.length + bytes.length > limit && current.length > 0) {
      chunks.push(Buffer.from(current));
      current = [];
    }
    current.push(...bytes);
  }
  if (current.length > 0) chunks.push(Buffer.from(current));
  return chunks;
}

/**
 * RFC 2047 "B" encoded words, one per chunk. The first is sized to fit after "Name: " so that even
 * the first line stays within 78 characters.
 */
function encodedWords(text: string, headerName: string): string[] {
  const room = MAX_LINE - headerName.length - 2 - "=?UTF-8?B??=".length;
  const firstBytes = Math.max(3, Math.min(WORD_BYTES, Math.floor(room / 4) * 3));
  return utf8Chunks(text, firstBytes, WORD_BYTES).map((chunk) => `=?UTF-8?B?${chunk.toString("base64")}?=`);
}

/** Joins words into header lines of at most 78 characters, folding with CRLF + space. */
function fold(name: string, words: readonly string[]): string {
  const lines: string[] = [];
  let line = `${name}:`;
  for (const word of words) {
    if (line.length + 1 + word.length > MAX_LINE && line.length > name.length + 1) {
      lines.push(line);
      line = "";
    }
    line += ` ${word}`;
  }
  lines.push(line);
  return lines.join(CRLF);
}

/**
 * An unstructured header (RFC 5322 §3.2.5). Printable ASCII is folded at spaces; anything else
 * (accents, control characters such as CR/LF, lines too long to fold) becomes encoded words, so a
 * value can never inject a header.
 */
export function unstructuredHeader(name: string, value: string): string {
  const words = value.split(" ");
  const foldable = PRINTABLE_ASCII.test(value) && words.every((word) => word.length > 0 && word.length <= 900);
  return fold(name, foldable ? words : encodedWords(value, name));
}

function displayName(name: string, headerName: string): string[] {
  if (ATOM_PHRASE.test(name) && name.trim() === name && !name.includes("  ")) return name.split(" ");
  if (PRINTABLE_ASCII.test(name) && name.length <= 900) return [`"${name.replace(/(["\\])/g, "\\$1")}"`];
  return encodedWords(name, headerName);
}

function assertAddrSpec(email: string): void {
  if (!ADDR_SPEC.test(email)) throw new RangeError(`"${email}" is not a plain email address`);
}

export function addressHeader(name: string, address: MimeAddress | undefined): string {
  // An empty group is how RFC 5322 §3.4 writes "no address" (e.g. a letter with no email).
  if (address === undefined) return `${name}: undisclosed-recipients:;`;
  assertAddrSpec(address.email);
  const words = address.name ? [...displayName(address.name, name), `<${address.email}>`] : [address.email];
  return fold(name, words);
}

/** The local part of a Message-ID kept to characters every parser accepts; the rest hex-escaped. */
export function messageIdLocalPart(id: string): string {
  return [...Buffer.from(id, "utf8")]
    .map((byte) => {
      const char = String.fromCharCode(byte);
      return /[A-Za-z0-9_-]/.test(char) ? char : `=${byte.toString(16).toUpperCase().padStart(2, "0")}`;
    })
    .join("");
}

function encodeQuotedPrintableLine(line: string): string {
  const bytes = Buffer.from(line, "utf8");
  const out: string[] = [];
  let current = "";
  bytes.forEach((byte, index) => {
    const last = index === bytes.length - 1;
    const literal = (byte >= 33 && byte <= 126 && byte !== 61) || ((byte === 32 || byte === 9) && !last);
    const token = literal ? String.fromCharCode(byte) : `=${byte.toString(16).toUpperCase().padStart(2, "0")}`;
    // 75 characters plus the "=" of a soft line break keeps every line within 76 (RFC 2045 §6.7).
    if (current.length + token.length > 75) {
      out.push(`${current}=`);
      current = "";
    }
    current += token;
  });
  out.push(current);
  return out.join(CRLF);
}

/** Quoted-printable over UTF-8, with line breaks normalised to CRLF. */
export function encodeQuotedPrintable(text: string): string {
  return text
    .split(/\r\n|\r|\n/)
    .map(encodeQuotedPrintableLine)
    .join(CRLF);
}

function textPart(subtype: "plain" | "html", body: string): string {
  return [
    `Content-Type: text/${subtype}; charset=UTF-8`,
    "Content-Transfer-Encoding: quoted-printable",
    "",
    encodeQuotedPrintable(body),
  ].join(CRLF);
}

/** Writes the whole message, CRLF line endings, ending with a line break. */
export function buildMessage(message: MimeMessage): string {
  const headers = [
    `Date: ${formatDate(message.date)}`,
    addressHeader("From", message.from),
    addressHeader("To", message.to),
    ...(message.replyTo === undefined ? [] : [addressHeader("Reply-To", { email: message.replyTo })]),
    unstructuredHeader("Subject", message.subject),
    `Message-ID: <${messageIdLocalPart(message.messageId)}@relance.local>`,
    "MIME-Version: 1.0",
    ...Object.entries(message.headers).map(([name, value]) => unstructuredHeader(name, value)),
  ];
  if (message.html === undefined) {
    return `${[...headers, textPart("plain", message.text)].join(CRLF)}${CRLF}`;
  }
  // "=_" can never occur in quoted-printable output, so this boundary cannot collide with a body.
  const boundary = `=_relance_${randomBytes(12).toString("hex")}`;
  return [
    ...headers,
    `Content-Type: multipart/alternative;${CRLF} boundary="${boundary}"`,
    "",
    "This is a multi-part message in MIME format.",
    `--${boundary}`,
    textPart("plain", message.text),
    `--${boundary}`,
    textPart("html", message.html),
    `--${boundary}--`,
    "",
  ].join(CRLF);
}
