/** Turns every accepted input into a sequence of byte chunks, enforcing the byte limit as they arrive. */
import { RelanceError } from "@relance/core";

export type LedgerCsvInput = Uint8Array | AsyncIterable<Uint8Array> | NodeJS.ReadableStream;

/** A whole buffer is still parsed in slices, so batches come out (and memory stays flat) as with a stream. */
const SLICE_BYTES = 1024 * 1024;

export async function* byteChunks(input: LedgerCsvInput, maxBytes: number, fileName: string): AsyncGenerator<Uint8Array> {
  if (input instanceof Uint8Array) {
    if (input.byteLength > maxBytes) throw tooLarge(fileName, maxBytes);
    for (let start = 0; start < input.byteLength; start += SLICE_BYTES) {
      yield input.subarray(start, Math.min(start + SLICE_BYTES, input.byteLength));
    }
    return;
  }
  const iterable = asyncIterable(input);
  let total = 0;
  for await (const chunk of iterable) {
    if (!(chunk instanceof Uint8Array)) {
      throw new RelanceError(
        "misconfigured",
        "the CSV input stream must yield bytes (Buffer or Uint8Array), not text: do not set an encoding on it",
      );
    }
    total += chunk.byteLength;
    // Checked before the chunk is used: a too-large upload is refused without reading it further.
    if (total > maxBytes) throw tooLarge(fileName, maxBytes);
    yield chunk;
  }
}

function asyncIterable(input: AsyncIterable<Uint8Array> | NodeJS.ReadableStream): AsyncIterable<unknown> {
  if (Symbol.asyncIterator in input) return input as AsyncIterable<unknown>;
  throw new RelanceError("misconfigured", "the CSV input must be a Uint8Array, an async iterable of bytes or a readable stream");
}

function tooLarge(fileName: string, maxBytes: number): RelanceError {
  return new RelanceError("payload_too_large", `${fileName} is larger than ${formatBytes(maxBytes)}`);
}

function formatBytes(bytes: number): string {
  if (bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MiB`;
  if (bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
}
