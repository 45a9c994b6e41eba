import type { Migration } from "kysely";
import * as initial from "./0001-initial";
import * as cases from "./0002-cases";
import * as ledgerGrants from "./0003-ledger-grants";

/**
 * Every migration, applied in key order. A released migration is never edited or renamed: a schema
 * change is a new entry.
 */
export const migrations: Readonly<Record<string, Migration>> = {
  "0001-initial": initial,
  "0002-cases": cases,
  "0003-ledger-grants": ledgerGrants,
};
