import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openStore, type Store } from "@relance/store";
import { sql } from "kysely";
import pg from "pg";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

/** The pid of a process that has exited: a lock file naming it is stale. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ["-e", ""], { stdio: "ignore" });
  const pid = child.pid;
  await new Promise((resolve) => child.on("exit", resolve));
  if (pid === undefined) throw new Error("no pid");
  return pid;
}

describe("embedded database on disk", () => {
  let dataDir: string;
  const opened: Store[] = [];
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "relance-store-"));
  });
  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it("keeps its data in <dataDir>/db across a close and reopen, and migrates only once", async () => {
    const first = await openStore({ dataDir });
    opened.push(first);
    expect(first.engine).toBe("pglite");
    await first.createTenant({
      name: "Kept",
      slug: "kept",
      defaultLanguage: "fr",
      senderName: "K",
      senderEmail: "k@example.test",
    });
    await first.close();
    expect(existsSync(join(dataDir, "db", "PG_VERSION"))).toBe(true);

    const second = await openStore({ dataDir });
    opened.push(second);
    expect((await second.findTenantBySlug("kept"))?.name).toBe("Kept");
    expect(await second.migrate()).toEqual([]);
  });

  it("refuses a second open of the same directory with a clear error, and frees it on close", async () => {
    const first = await openStore({ dataDir });
    opened.push(first);
    expect((await readFile(join(dataDir, "db.lock"), "utf8")).trim()).toBe(String(process.pid));
    await expect(openStore({ dataDir })).rejects.toMatchObject({
      code: "conflict",
      message: expect.stringContaining(`in use by process ${process.pid}`),
    });
    await expect(openStore({ dataDir })).rejects.toThrow(/relance start\?/);
    // The refused open did not disturb the first one.
    await expect(first.ping()).resolves.toBeUndefined();
    await first.close();
    expect(existsSync(join(dataDir, "db.lock"))).toBe(false);
    const again = await openStore({ dataDir });
    opened.push(again);
    await expect(again.ping()).resolves.toBeUndefined();
  });

  it("refuses a directory locked by another live process", async () => {
    const child = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60000)"], { stdio: "ignore" });
    try {
      await writeFile(join(dataDir, "db.lock"), `${child.pid}\n`);
      await expect(openStore({ dataDir })).rejects.toMatchObject({
        code: "conflict",
        message: expect.stringContaining(`in use by process ${child.pid}`),
      });
    } finally {
      child.kill();
    }
  });

  it("takes over a lock left by a process that died", async () => {
    const pid = await deadPid();
    await writeFile(join(dataDir, "db.lock"), `${pid}\n`);
    const store = await openStore({ dataDir });
    opened.push(store);
    expect((await readFile(join(dataDir, "db.lock"), "utf8")).trim()).toBe(String(process.pid));
  });
});

describe("PostgreSQL opened by several processes at once", () => {
  it("migrates once when stores start together on an empty database", async () => {
    const adminUrl = process.env.RELANCE_TEST_DATABASE_URL;
    if (!adminUrl)
      throw new Error("RELANCE_TEST_DATABASE_URL is not set: run scripts/ensure-postgres.sh (see test/support/database.ts)");
    const database = `relance_t_race_${process.pid}`;
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${database}`);
    const url = new URL(adminUrl);
    url.pathname = `/${database}`;
    try {
      const stores = await Promise.all(Array.from({ length: 4 }, () => openStore({ dataDir: "", databaseUrl: url.toString() })));
      try {
        expect(stores.map((store) => store.engine)).toEqual(["postgres", "postgres", "postgres", "postgres"]);
        const { rows } = await sql<{ name: string }>`SELECT name FROM kysely_migration ORDER BY name`.execute(
          (stores[0] as Store).db,
        );
        expect(rows.map((row) => row.name)).toEqual(["0001-initial", "0002-cases", "0003-ledger-grants"]);
      } finally {
        await Promise.all(stores.map((store) => store.close()));
      }
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      await admin.end();
    }
  });

  it("fails clearly, without the password, when the server cannot be reached", async () => {
    await expect(openStore({ dataDir: "", databaseUrl: "postgres://relance:hunter2@127.0.0.1:1/relance" })).rejects.toMatchObject(
      {
        code: "provider_unavailable",
        message: expect.stringMatching(
          /cannot reach the PostgreSQL server at postgres:\/\/relance:\*\*\*@127\.0\.0\.1:1\/relance/,
        ),
      },
    );
    await expect(openStore({ dataDir: "", databaseUrl: "postgres://relance:hunter2@127.0.0.1:1/relance" })).rejects.not.toThrow(
      /hunter2/,
    );
  });
});
