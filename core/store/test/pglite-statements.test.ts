/** The embedded engine's pool runs parameterised queries as prepared statements, and keeps them bounded. */
import { PGlite } from "@electric-sql/pglite";
import type pg from "pg";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createPglitePool } from "../src/pools";

describe("prepared statements on the embedded engine", () => {
  let pglite: PGlite;
  let pool: pg.Pool;
  beforeEach(async () => {
    pglite = await PGlite.create();
    await pglite.exec("CREATE TABLE items (id int PRIMARY KEY, label text NOT NULL)");
    pool = createPglitePool(pglite);
  });
  afterEach(async () => {
    await pool.end();
    await pglite.close();
  });

  const prepared = async () =>
    (await pool.query<{ name: string; statement: string }>("SELECT name, statement FROM pg_prepared_statements ORDER BY name"))
      .rows;

  it("parses a parameterised query once and runs it again from the same statement", async () => {
    for (let id = 1; id <= 3; id++) await pool.query("INSERT INTO items (id, label) VALUES ($1, $2)", [id, `item ${id}`]);
    const read = await pool.query("SELECT label FROM items WHERE id = $1", [2]);
    expect(read.rows).toEqual([{ label: "item 2" }]);
    const statements = await prepared();
    expect(statements.map((row) => row.statement).sort()).toEqual([
      "INSERT INTO items (id, label) VALUES ($1, $2)",
      "SELECT label FROM items WHERE id = $1",
    ]);
  });

  it("leaves one-off lists and texts without parameters unprepared", async () => {
    const ids = Array.from({ length: 40 }, (_, index) => index + 1);
    await pool.query(`SELECT * FROM items WHERE id IN (${ids.map((_, index) => `$${index + 1}`).join(", ")})`, ids);
    await pool.query("SELECT count(*) FROM items");
    expect(await prepared()).toEqual([]);
  });

  it("starts a replacing client afresh: the session's old statements are dropped, the same texts work again", async () => {
    await pool.query("INSERT INTO items (id, label) VALUES ($1, $2)", [1, "one"]);
    const client = await pool.connect();
    client.release(new Error("discard this client"));
    await pool.query("INSERT INTO items (id, label) VALUES ($1, $2)", [2, "two"]);
    expect((await pool.query("SELECT count(*)::int AS count FROM items")).rows).toEqual([{ count: 2 }]);
    const statements = await prepared();
    expect(statements).toHaveLength(1);
    expect(statements[0]?.name).toMatch(/^r2_/);
  });

  it("stops preparing new texts at its limit, and still runs them", async () => {
    for (let index = 0; index < 510; index++) {
      const rows = await pool.query(`SELECT $1::int + ${index} AS value`, [1]);
      expect(rows.rows[0]?.value).toBe(index + 1);
    }
    expect(await prepared()).toHaveLength(500);
  });
});
