/**
 * The CSV connector as a plugin. A CSV "ledger" has nothing to poll: its real capability is parsing an
 * uploaded file, so `listChanges` returns an empty page and `parse` reads a file with the connection's
 * settings (mapping, encoding, delimiter, …).
 */
import { type ConnectorPlugin, definePlugin } from "@relance/core";
import { z } from "zod";
import type { LedgerCsvInput } from "./input";
import type { LedgerBatch } from "./ledger-parser";
import { type CsvConfig, csvConfigSchema, type ParseLedgerCsvOptions } from "./options";
import { type LedgerCsvSummary, parseLedgerCsv } from "./parse";

export interface CsvConnector extends ConnectorPlugin {
  /** `parseLedgerCsv` with this connection's settings; `options` adds limits or overrides them. */
  parse(input: LedgerCsvInput, options?: ParseLedgerCsvOptions): AsyncGenerator<LedgerBatch, LedgerCsvSummary, undefined>;
}

export const csvConnector = definePlugin({
  id: "csv",
  kind: "connector",
  displayName: "CSV file",
  version: "0.1.0",
  configSchema: csvConfigSchema,
  secretsSchema: z.object({}),
  auth: { type: "none" },
  capabilities: ["file-import"],
  allowedHosts: [],
  create: ({ config }) => createCsvConnector(config),
});

export function createCsvConnector(config: CsvConfig): CsvConnector {
  return {
    testConnection: async () => {},
    listChanges: async () => ({ debtors: [], invoices: [], creditNotes: [], payments: [] }),
    parse: (input, options = {}) => parseLedgerCsv(input, { ...config, ...options }),
  };
}
