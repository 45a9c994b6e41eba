/**
 * What earlier rows said about each debtor and invoice, kept in typed arrays only, so a large file
 * costs a few dozen bytes per id, pins none of its text in memory and gives the garbage collector
 * nothing to trace: the id's characters, the line it was first seen on, amounts exactly, and 32-bit
 * hashes of the other fields (a collision could only hide a difference, never invent one).
 *
 * Hashes rather than strings also because V8 compares two equal strings cut from different places
 * slowly: hashing every row's cells is cheaper than comparing them.
 */

/** An FNV-1a-style hash of `text`, ignoring leading and trailing whitespace. */
export function hashText(text: string): number {
  let start = 0;
  let end = text.length;
  while (start < end && isSpace(text.charCodeAt(start))) start++;
  while (end > start && isSpace(text.charCodeAt(end - 1))) end--;
  return hashRange(0x811c9dc5, text, start, end);
}

/**
 * One hash of several cells (`fields` at `positions`) exactly as written, spaces included: the cheap
 * first comparison of a row with an earlier one; per-cell `hashText` settles a difference.
 */
export function hashCells(fields: readonly string[], positions: readonly number[]): number {
  let hash = 0x811c9dc5;
  for (let k = 0; k < positions.length; k++) {
    const text = fields[positions[k] as number] as string;
    hash = hashRange(hash, text, 0, text.length);
  }
  return hash;
}

function hashRange(hash: number, text: string, start: number, end: number): number {
  hash = Math.imul(hash ^ (end - start), 0x01000193);
  // Two UTF-16 code units per step: half the multiplications of plain FNV-1a.
  let i = start;
  for (; i + 1 < end; i += 2) hash = Math.imul(hash ^ (text.charCodeAt(i) | (text.charCodeAt(i + 1) << 16)), 0x01000193);
  if (i < end) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return hash | 0;
}

function isSpace(code: number): boolean {
  return code <= 0x20 || code === 0xa0 || code === 0x202f || code === 0xfeff || (code >= 0x2000 && code <= 0x200a);
}

/** Spreads the bits of a hash (MurmurHash3's finaliser) before it picks a slot. */
function mix(hash: number): number {
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  return (hash ^ (hash >>> 16)) | 0;
}

const PAGE_BITS = 12;
const PAGE_MASK = (1 << PAGE_BITS) - 1;
/** Bytes per page of ids; an id (at most 200 characters here) never spans two pages. */
const KEY_PAGE = 1 << 16;
const MAX_KEY_LENGTH = 1000;
const WIDE = 0x8000;
/** 128 KiB of slots to start with: room for 11,000 ids before the first rehash. */
const INITIAL_SLOTS = 1 << 14;

/** Rows of `width` values in pages of 4096 rows: growing never copies nor leaves half the space unused. */
class Pages<T extends Int32Array | Float64Array> {
  readonly #pages: T[] = [];

  constructor(
    private readonly width: number,
    private readonly create: (length: number) => T,
  ) {}

  /** The page holding row `index`, created when the row is the first of a new page (rows come in order). */
  page(index: number): T {
    if (index >>> PAGE_BITS === this.#pages.length) this.#pages.push(this.create((PAGE_MASK + 1) * this.width));
    return this.#pages[index >>> PAGE_BITS] as T;
  }

  /** Where row `index` starts in its page. */
  base(index: number): number {
    return (index & PAGE_MASK) * this.width;
  }

  get(index: number, field: number): number {
    return (this.#pages[index >>> PAGE_BITS] as T)[(index & PAGE_MASK) * this.width + field] as number;
  }

  set(index: number, field: number, value: number): void {
    (this.#pages[index >>> PAGE_BITS] as T)[(index & PAGE_MASK) * this.width + field] = value;
  }
}

/**
 * The characters of every id: a two-byte header (length, and a flag when a character is above U+00FF)
 * then one byte per character, or two for those rare "wide" ids.
 */
class Keys {
  readonly #pages: Uint8Array[] = [];
  #used = KEY_PAGE;

  /** Stores `key` and returns where. */
  store(key: string): number {
    const length = key.length;
    if (length > MAX_KEY_LENGTH) throw new RangeError(`id longer than ${MAX_KEY_LENGTH} characters`);
    // Room for the wide form, so a late wide character can still be written in place.
    if (this.#used + 2 + 2 * length > KEY_PAGE) {
      this.#pages.push(new Uint8Array(KEY_PAGE));
      this.#used = 0;
    }
    const page = this.#pages[this.#pages.length - 1] as Uint8Array;
    const at = this.#used;
    let wide = false;
    for (let i = 0; i < length; i++) {
      const code = key.charCodeAt(i);
      if (code > 0xff) {
        wide = true;
        break;
      }
      page[at + 2 + i] = code;
    }
    if (wide) {
      for (let i = 0; i < length; i++) {
        const code = key.charCodeAt(i);
        page[at + 2 + 2 * i] = code & 0xff;
        page[at + 3 + 2 * i] = code >>> 8;
      }
    }
    const header = length | (wide ? WIDE : 0);
    page[at] = header & 0xff;
    page[at + 1] = header >>> 8;
    this.#used += 2 + length * (wide ? 2 : 1);
    return (this.#pages.length - 1) * KEY_PAGE + at;
  }

  read(location: number): string {
    const page = this.#pages[Math.floor(location / KEY_PAGE)] as Uint8Array;
    const at = location % KEY_PAGE;
    const header = (page[at] as number) | ((page[at + 1] as number) << 8);
    const length = header & ~WIDE;
    const codes: number[] = [];
    for (let i = 0; i < length; i++) {
      codes.push(
        header & WIDE ? (page[at + 2 + 2 * i] as number) | ((page[at + 3 + 2 * i] as number) << 8) : (page[at + 2 + i] as number),
      );
    }
    return String.fromCharCode(...codes);
  }

  equals(location: number, key: string): boolean {
    const page = this.#pages[Math.floor(location / KEY_PAGE)] as Uint8Array;
    const at = location % KEY_PAGE;
    const header = (page[at] as number) | ((page[at + 1] as number) << 8);
    if ((header & ~WIDE) !== key.length) return false;
    if (header & WIDE) {
      for (let i = 0; i < key.length; i++) {
        if (((page[at + 2 + 2 * i] as number) | ((page[at + 3 + 2 * i] as number) << 8)) !== key.charCodeAt(i)) return false;
      }
      return true;
    }
    for (let i = 0; i < key.length; i++) if (page[at + 2 + i] !== key.charCodeAt(i)) return false;
    return true;
  }
}

/** Per id: where its characters are, the line it was first seen on, then the caller's ints. */
const KEY_AT = 0;
const LINE = 1;
const OWN_INTS = 2;

/**
 * Ids, each with the line it was first seen on, `numberWidth` numbers (any safe integer, e.g. amounts)
 * and `intWidth` 32-bit integers (exact small values or hashes). The caller compares what it needs:
 * `find`, then either `add` or read the stored values.
 *
 * An open-addressing table over typed arrays, with each slot's hash beside it: most lookups are for
 * new ids (invoice numbers), and those are answered without looking at any stored id.
 */
export class SeenRecords {
  readonly #keys = new Keys();
  readonly #ints: Pages<Int32Array>;
  readonly #numbers: Pages<Float64Array>;
  #size = 0;
  /** Per slot, side by side: index + 1 of the id in it (0 when free) and the id's hash; at most 70% full. */
  #slots = new Int32Array(2 * INITIAL_SLOTS);
  /** Where the last `find` stopped: the id's hash and the free slot it would take. */
  #lastHash = 0;
  #lastSlot = 0;

  constructor(
    readonly numberWidth: number,
    readonly intWidth: number,
  ) {
    this.#ints = new Pages(OWN_INTS + intWidth, (length) => new Int32Array(length));
    this.#numbers = new Pages(numberWidth, (length) => new Float64Array(length));
  }

  get size(): number {
    return this.#size;
  }

  /** The id's number (0, 1, 2… in order of arrival), or -1. Allocates nothing. */
  find(id: string): number {
    const hash = mix(hashText(id));
    const slots = this.#slots;
    const mask = (slots.length >>> 1) - 1;
    let slot = hash & mask;
    for (;;) {
      const entry = slots[2 * slot] as number;
      if (entry === 0) break;
      if (slots[2 * slot + 1] === hash && this.#keys.equals(this.#ints.get(entry - 1, KEY_AT), id)) return entry - 1;
      slot = (slot + 1) & mask;
    }
    this.#lastHash = hash;
    this.#lastSlot = slot;
    return -1;
  }

  /** Registers the id the last `find` did not find, and returns its number. */
  add(id: string, line: number, numbers: readonly number[], ints: readonly number[]): number {
    const index = this.#size++;
    const intPage = this.#ints.page(index);
    const intBase = this.#ints.base(index);
    intPage[intBase + KEY_AT] = this.#keys.store(id);
    intPage[intBase + LINE] = line;
    for (let i = 0; i < this.intWidth; i++) intPage[intBase + OWN_INTS + i] = ints[i] as number;
    if (this.numberWidth > 0) {
      const numberPage = this.#numbers.page(index);
      const numberBase = this.#numbers.base(index);
      for (let i = 0; i < this.numberWidth; i++) numberPage[numberBase + i] = numbers[i] as number;
    }
    this.#slots[2 * this.#lastSlot] = index + 1;
    this.#slots[2 * this.#lastSlot + 1] = this.#lastHash;
    if (this.#size * 20 > this.#slots.length * 7) this.#rehash();
    return index;
  }

  lineOf(index: number): number {
    return this.#ints.get(index, LINE);
  }

  numberOf(index: number, field: number): number {
    return this.#numbers.get(index, field);
  }

  intOf(index: number, field: number): number {
    return this.#ints.get(index, OWN_INTS + field);
  }

  /** The id itself (for records aggregated over the whole file and emitted at its end). */
  keyOf(index: number): string {
    return this.#keys.read(this.#ints.get(index, KEY_AT));
  }

  setNumber(index: number, field: number, value: number): void {
    this.#numbers.set(index, field, value);
  }

  setInt(index: number, field: number, value: number): void {
    this.#ints.set(index, OWN_INTS + field, value);
  }

  /** Doubles the slot table and places every id again. */
  #rehash(): void {
    const old = this.#slots;
    const slots = new Int32Array(old.length * 2);
    const mask = (slots.length >>> 1) - 1;
    for (let at = 0; at < old.length; at += 2) {
      const entry = old[at] as number;
      if (entry === 0) continue;
      const hash = old[at + 1] as number;
      let slot = hash & mask;
      while (slots[2 * slot] !== 0) slot = (slot + 1) & mask;
      slots[2 * slot] = entry;
      slots[2 * slot + 1] = hash;
    }
    this.#slots = slots;
  }
}
