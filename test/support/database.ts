/**
 * Test databases for every package's tests. Each `openTestStore` call returns an isolated, migrated,
 * empty store; close it when done (for PostgreSQL that drops its database).
 *
 *   describe.each(testEngines())("…on %s", (engine) => { … await openTestStore(engine) … })
 *
 * Both engines run by default. PostgreSQL needs RELANCE_TEST_DATABASE_URL (set by
 * `eval "$(scripts/ensure-postgres.sh)"`); without it its tests fail, they are never skipped.
 * RELANCE_TEST_ENGINES=pglite (or postgres) narrows the list explicitly, e.g. for a quick local run.
 */
import type { Logger } from "@relance/core";
import type { Keyring, Store } from "@relance/store";
import { createPgliteTemplate, openScratchPostgresStore, type PgliteTemplate } from "@relance/store/testing";

export type TestEngine = "pglite" | "postgres";

const ENGINES: readonly TestEngine[] = ["pglite", "postgres"];

export function testEngines(): TestEngine[] {
  const requested = process.env.RELANCE_TEST_ENGINES?.trim();
  if (!requested) return [...ENGINES];
  const names = requested.split(",").map((name) => name.trim());
  const unknown = names.filter((name) => !ENGINES.includes(name as TestEngine));
  if (unknown.length > 0) {
    throw new Error(`RELANCE_TEST_ENGINES: unknown engine(s) ${unknown.join(", ")}; use ${ENGINES.join(", ")}`);
  }
  return names as TestEngine[];
}

export interface TestStoreOptions {
  readonly keyring?: Keyring;
  readonly logger?: Logger;
}

// One migrated in-memory PGlite per test process; each test store is a clone of it.
let template: Promise<PgliteTemplate> | undefined;

export async function openTestStore(engine: TestEngine, options: TestStoreOptions = {}): Promise<Store> {
  if (engine === "pglite") {
    template ??= createPgliteTemplate();
    return (await template).open(options);
  }
  const adminUrl = process.env.RELANCE_TEST_DATABASE_URL;
  if (!adminUrl) {
    throw new Error(
      "RELANCE_TEST_DATABASE_URL is not set, so the postgres engine has no server to run on. " +
        'Run `eval "$(scripts/ensure-postgres.sh)"` first (it starts a local test server and prints the variable), ' +
        "or use the repository's test command.",
    );
  }
  return openScratchPostgresStore(adminUrl, options);
}

/**
 * Closes the per-process PGlite template. Test files need not call it (the test runner ends the
 * process); a plain script that used openTestStore must, or the open PGlite keeps Node running.
 */
export async function closeTestDatabases(): Promise<void> {
  const pending = template;
  template = undefined;
  if (pending) await (await pending).close();
}
