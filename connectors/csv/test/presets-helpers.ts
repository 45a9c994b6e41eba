/** Shared by the preset tests: read a file of test/corpus/csv/presets, or get its problems. */
import { readFile } from "node:fs/promises";
import { type Invoice, type Issue, isRelanceError } from "@relance/core";
import { type ParseLedgerCsvOptions, readLedgerCsv } from "../src/index";

const corpus = new URL("../../../test/corpus/csv/presets/", import.meta.url);

export async function readPreset(path: string, options: ParseLedgerCsvOptions = {}) {
  return readLedgerCsv(await readFile(new URL(path, corpus)), { fileName: path.split("/").pop(), ...options });
}

export async function presetProblems(path: string | Uint8Array, options: ParseLedgerCsvOptions = {}): Promise<readonly Issue[]> {
  try {
    if (typeof path === "string") await readPreset(path, options);
    else await readLedgerCsv(path, options);
  } catch (error) {
    if (isRelanceError(error)) return error.issues;
    throw error;
  }
  throw new Error("the file was accepted");
}

export const utf8 = (text: string) => new TextEncoder().encode(text);

export function invoice(number: string, rest: Omit<Invoice, "externalId" | "number"> & { externalId?: string }): Invoice {
  return { externalId: number, number, ...rest };
}

export const noContact = { emails: [], tags: [] };
