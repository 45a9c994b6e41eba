/**
 * Bytes to text, chunk by chunk, with encoding detection that never needs the whole file.
 *
 * Auto-detection: ASCII is the same in UTF-8 and Windows-1252, so the text is passed through until the
 * first non-ASCII byte; a window of bytes from there decides (valid UTF-8 → UTF-8, otherwise
 * Windows-1252, or ISO-8859-15 when the window has one of the bytes where the two differ and none of
 * Windows-1252's 0x80–0x9F characters: a FEC is ISO-8859-15 by law and writes "œ" as 0xBD). Bytes that do not decode later on are replaced by U+FFFD and flagged, so the row that
 * holds them is reported with its line rather than the whole file failing without a location.
 */
import { isAscii, isUtf8 } from "node:buffer";
import { RelanceError } from "@relance/core";
import iconv from "iconv-lite";
import type { CsvEncoding } from "./options";

export type TextEncodingName = "utf-8" | "windows-1252" | "iso-8859-15";

/** Bytes looked at before anything is decoded: BOM, UTF-16 and binary checks. */
const SNIFF_BYTES = 4096;
/** Bytes after the first non-ASCII byte used to tell UTF-8 from Windows-1252. */
const DECIDE_WINDOW = 4096;
const SAVE_AS = "save it as CSV UTF-8";
const NUL_BYTES = "contains NUL bytes: it looks like UTF-16 or a binary file, not CSV text";

type State = "sniff" | "ascii" | TextEncodingName;

export class ByteDecoder {
  #state: State = "sniff";
  #held: Uint8Array[] = [];
  #heldBytes = 0;
  /** An incomplete UTF-8 sequence at the end of the last chunk, or the undecided tail in "ascii" state. */
  #carry: Uint8Array | undefined;
  #undecodable = false;

  constructor(
    private readonly requested: CsvEncoding,
    private readonly fileName: string,
  ) {}

  /** The encoding the text was read as; a pure-ASCII file reports UTF-8. */
  get encoding(): TextEncodingName {
    return this.#state === "windows-1252" || this.#state === "iso-8859-15" ? this.#state : "utf-8";
  }

  /** True once some bytes could not be decoded (they became U+FFFD in the text). */
  get sawUndecodable(): boolean {
    return this.#undecodable;
  }

  push(chunk: Uint8Array): string {
    if (this.#state === "sniff") {
      // A copy: the caller may reuse its buffer for the next chunk.
      this.#held.push(chunk.slice());
      this.#heldBytes += chunk.byteLength;
      if (this.#heldBytes < SNIFF_BYTES) return "";
      const bytes = this.#takeHeld();
      if (bytes.indexOf(0, SNIFF_BYTES) !== -1) throw this.#notText(NUL_BYTES);
      return this.#decode(this.#sniff(bytes), false);
    }
    if (chunk.indexOf(0) !== -1) throw this.#notText(NUL_BYTES);
    return this.#decode(chunk, false);
  }

  end(): string {
    if (this.#state === "sniff") return this.#decode(this.#sniff(this.#takeHeld()), true);
    return this.#decode(new Uint8Array(0), true);
  }

  #takeHeld(): Uint8Array {
    const bytes = this.#held.length === 1 ? (this.#held[0] as Uint8Array) : Buffer.concat(this.#held);
    this.#held = [];
    return bytes;
  }

  /** Checks the start of the file, strips a UTF-8 BOM and picks the decoding state. */
  #sniff(bytes: Uint8Array): Uint8Array {
    if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
      throw this.#notText("looks like UTF-16 text (it starts with a UTF-16 byte order mark)");
    }
    if (bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04) {
      throw this.#notText("looks like an Excel workbook or another ZIP archive, not CSV text");
    }
    let nul = 0;
    let control = 0;
    const sample = bytes.subarray(0, SNIFF_BYTES);
    for (const byte of sample) {
      if (byte === 0) nul++;
      // Tab, LF, VT, FF, CR and the DOS end-of-file mark (0x1A) occur in real text files.
      else if (byte < 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0b && byte !== 0x0c && byte !== 0x0d && byte !== 0x1a)
        control++;
    }
    if (nul > 0) {
      const utf16 = nul * 4 >= sample.byteLength;
      throw this.#notText(
        utf16
          ? "looks like UTF-16 text (every other byte is NUL)"
          : "contains NUL bytes: it looks like a binary file, not CSV text",
      );
    }
    if (control * 100 > sample.byteLength) throw this.#notText("looks like a binary file, not CSV text");

    if (
      (this.requested === "auto" || this.requested === "utf-8") &&
      bytes[0] === 0xef &&
      bytes[1] === 0xbb &&
      bytes[2] === 0xbf
    ) {
      this.#state = "utf-8";
      return bytes.subarray(3);
    }
    this.#state = this.requested === "auto" ? "ascii" : this.requested;
    return bytes;
  }

  #decode(bytes: Uint8Array, final: boolean): string {
    switch (this.#state) {
      case "utf-8":
        return this.#decodeUtf8(bytes, final);
      case "windows-1252":
      case "iso-8859-15":
        return this.#decodeSingleByte(bytes, this.#state);
      case "ascii":
        return this.#decideOrPass(bytes, final);
      case "sniff":
        throw new Error("decoder used before sniffing");
    }
  }

  #decideOrPass(bytes: Uint8Array, final: boolean): string {
    bytes = this.#withCarry(bytes);
    if (isAscii(bytes)) return latin1(bytes);
    const first = firstNonAscii(bytes);
    if (!final && bytes.byteLength - first < DECIDE_WINDOW) {
      // Not enough bytes yet to decide: emit the ASCII before, keep the rest (bounded by the window).
      this.#carry = bytes.slice(first);
      return latin1(bytes.subarray(0, first));
    }
    const end = Math.min(bytes.byteLength, first + DECIDE_WINDOW);
    const window = bytes.subarray(first, final && end === bytes.byteLength ? end : utf8Boundary(bytes, end));
    this.#state = isUtf8(window) ? "utf-8" : singleByteEncoding(window);
    return latin1(bytes.subarray(0, first)) + this.#decode(bytes.subarray(first), final);
  }

  #decodeUtf8(bytes: Uint8Array, final: boolean): string {
    bytes = this.#withCarry(bytes);
    const end = final ? bytes.byteLength : utf8Boundary(bytes, bytes.byteLength);
    if (end < bytes.byteLength) this.#carry = bytes.slice(end);
    const complete = bytes.subarray(0, end);
    if (!isUtf8(complete)) this.#undecodable = true;
    return Buffer.from(complete.buffer, complete.byteOffset, complete.byteLength).toString("utf8");
  }

  #decodeSingleByte(bytes: Uint8Array, encoding: "windows-1252" | "iso-8859-15"): string {
    bytes = this.#withCarry(bytes);
    if (encoding === "iso-8859-15") {
      // 0x80–0x9F are control characters in ISO-8859-15: in a text file they mean another encoding.
      for (const byte of bytes) {
        if (byte >= 0x80 && byte <= 0x9f) {
          this.#undecodable = true;
          break;
        }
      }
    }
    const text = iconv.decode(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), encoding);
    // The five bytes Windows-1252 leaves undefined decode to U+FFFD.
    if (text.includes("\uFFFD")) this.#undecodable = true;
    return encoding === "iso-8859-15" && this.#undecodable ? text.replace(/[\u0080-\u009f]/g, "\uFFFD") : text;
  }

  #withCarry(bytes: Uint8Array): Uint8Array {
    const carry = this.#carry;
    if (carry === undefined) return bytes;
    this.#carry = undefined;
    return bytes.byteLength === 0 ? carry : Buffer.concat([carry, bytes]);
  }

  #notText(reason: string): RelanceError {
    const message = `${this.fileName} ${reason}; ${SAVE_AS}`;
    return new RelanceError("validation_failed", message, { issues: [{ message: `the file ${reason}; ${SAVE_AS}` }] });
  }
}

/** Bytes where ISO-8859-15 (€ Š š Ž ž Œ œ Ÿ) and Windows-1252 (¤ ¦ ¨ ´ ¸ ¼ ½ ¾) differ. */
const LATIN9_ONLY = new Set([0xa4, 0xa6, 0xa8, 0xb4, 0xb8, 0xbc, 0xbd, 0xbe]);

function singleByteEncoding(window: Uint8Array): "windows-1252" | "iso-8859-15" {
  let latin9 = false;
  for (const byte of window) {
    if (byte >= 0x80 && byte <= 0x9f) return "windows-1252";
    if (LATIN9_ONLY.has(byte)) latin9 = true;
  }
  return latin9 ? "iso-8859-15" : "windows-1252";
}

function latin1(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("latin1");
}

function firstNonAscii(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.byteLength; i++) if ((bytes[i] as number) >= 0x80) return i;
  return bytes.byteLength;
}

/** The largest index ≤ end that does not split a UTF-8 sequence (looking back at most 3 bytes). */
function utf8Boundary(bytes: Uint8Array, end: number): number {
  for (let i = end - 1; i >= 0 && i >= end - 3; i--) {
    const byte = bytes[i] as number;
    if (byte < 0x80) return end;
    if (byte >= 0xc0) {
      const length = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : 2;
      return i + length > end ? i : end;
    }
  }
  return end;
}
