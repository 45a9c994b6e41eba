import { appendFile, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type AgencyPlugin, type EvidenceBundle, type Invoice, type Logger, PluginRegistry, RelanceError } from "@relance/core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { agencyOutboxPlugin, claimIdFor, findClaim, type PlacedClaim } from "../src/index";

const silent: Logger = { debug() {}, info() {}, warn() {}, error() {} };

function manualClock(start: string) {
  let now = new Date(start);
  return {
    now: () => new Date(now),
    advance(ms: number) {
      now = new Date(now.getTime() + ms);
    },
  };
}

const invoice = (number: string, overrides: Partial<Invoice> = {}): Invoice => ({
  externalId: `inv-${number}`,
  number,
  debtorExternalId: "C42",
  currency: "EUR",
  totalMinor: 123_456,
  balanceMinor: 123_456,
  issueDate: "2026-07-01",
  dueDate: "2026-07-31",
  status: "open",
  ...overrides,
});

const bundle: EvidenceBundle = {
  debtor: {
    externalId: "C42",
    name: "SARL Dupré",
    emails: ["compta@dupre.example"],
    kind: "b2b",
    address: { lines: ["12 rue de l'Église"], postalCode: "75004", city: "Paris", country: "FR" },
    tags: [],
  },
  invoices: [invoice("F-2026-042"), invoice("F-2026-051", { totalMinor: 50_000, balanceMinor: 20_000 })],
  communications: [
    { at: "2026-08-05T09:00:00.000Z", channel: "email", summary: "Relance courtoise", status: "delivered" },
    { at: "2026-09-01T09:00:00.000Z", channel: "letter", summary: "Mise en demeure (LRAR)", status: "delivered" },
  ],
};

const KEY = "debtor:tenant-1:conn-1:C42:agency";

let root: string;
let directory: string;
let claims: string;
let registry: PluginRegistry;
let clock: ReturnType<typeof manualClock>;

async function agency(): Promise<AgencyPlugin> {
  return registry.create("agency-outbox", "agency", { config: { directory }, secrets: {}, logger: silent, clock });
}

async function claimFiles(): Promise<string[]> {
  return (await readdir(claims)).sort();
}

async function logEntries(claimId: string): Promise<Record<string, unknown>[]> {
  const text = await readFile(join(claims, `${claimId}.log`), "utf8");
  return text
    .trimEnd()
    .split("\n")
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "relance-agency-outbox-"));
  directory = join(root, "agency");
  claims = join(directory, "claims");
  registry = new PluginRegistry().register(agencyOutboxPlugin);
  clock = manualClock("2026-11-22T10:51:07.123Z");
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe("agency-outbox placeClaim", () => {
  it("writes the evidence bundle as pretty JSON named after the idempotency key", async () => {
    const plugin = await agency();
    const { claimId } = await plugin.placeClaim(bundle, { idempotencyKey: KEY });

    expect(claimId).toBe("debtor~3Atenant-1~3Aconn-1~3AC42~3Aagency");
    expect(claimId).toBe(claimIdFor(KEY));
    expect(await claimFiles()).toEqual([`${claimId}.json`]);
    const text = await readFile(join(claims, `${claimId}.json`), "utf8");
    expect(text).toContain('\n  "claimId": ');
    const record = JSON.parse(text) as PlacedClaim;
    expect(record).toEqual({ claimId, placedAt: "2026-11-22T10:51:07.123Z", status: "placed", bundle });
    expect(await plugin.getStatus(claimId)).toBe("placed");
  });

  it("places a key once: a second placement returns the same claim and keeps the first file", async () => {
    const plugin = await agency();
    const first = await plugin.placeClaim(bundle, { idempotencyKey: KEY });
    clock.advance(3_600_000);
    const second = await plugin.placeClaim({ ...bundle, invoices: [invoice("F-other")] }, { idempotencyKey: KEY });
    expect(second).toEqual(first);
    expect(await claimFiles()).toEqual([`${first.claimId}.json`]);
    const record = JSON.parse(await readFile(join(claims, `${first.claimId}.json`), "utf8")) as PlacedClaim;
    expect(record.placedAt).toBe("2026-11-22T10:51:07.123Z");
    expect(record.bundle.invoices).toHaveLength(2);

    const other = await plugin.placeClaim(bundle, { idempotencyKey: `${KEY}-2` });
    expect(other.claimId).not.toBe(first.claimId);
    expect(await claimFiles()).toHaveLength(2);
  });

  it("places a key once under concurrent placements, leaving no temporary file", async () => {
    const plugins = await Promise.all(Array.from({ length: 2 }, () => agency()));
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, index) => {
        clock.advance(1);
        return plugins[index % 2]!.placeClaim(bundle, { idempotencyKey: KEY });
      }),
    );
    expect(new Set(results.map((result) => result.claimId))).toEqual(new Set([claimIdFor(KEY)]));
    expect(await claimFiles()).toEqual([`${claimIdFor(KEY)}.json`]);
    // Whichever placement won, the file is whole.
    const record = JSON.parse(await readFile(join(claims, `${claimIdFor(KEY)}.json`), "utf8")) as PlacedClaim;
    expect(record.bundle).toEqual(bundle);
  });

  it("gives keys that differ only by special characters different claims, and keeps long keys short", async () => {
    const plugin = await agency();
    const keys = [
      "a:b",
      "a/b",
      "a~3Ab",
      "a b",
      "a:b:é",
      "../escape",
      `${"debtor:tenant:".repeat(30)}x`,
      `${"debtor:tenant:".repeat(30)}y`,
    ];
    const ids = [];
    for (const key of keys) ids.push((await plugin.placeClaim(bundle, { idempotencyKey: key })).claimId);
    expect(new Set(ids).size).toBe(keys.length);
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9._~-]{1,200}$/);
    // Every claim stayed inside the claims folder.
    expect(await claimFiles()).toHaveLength(keys.length);
    expect(await readdir(directory)).toEqual(["claims"]);
  });

  it("findClaim finds what placeClaim wrote and nothing else", async () => {
    const plugin = await agency();
    expect(await findClaim(directory, KEY)).toBeUndefined();
    const { claimId } = await plugin.placeClaim(bundle, { idempotencyKey: KEY });
    expect(await findClaim(directory, KEY)).toBe(claimId);
    expect(await findClaim(directory, `${KEY}-2`)).toBeUndefined();
    // A partial file left by a crashed write is not a claim.
    await writeFile(join(claims, `.${claimIdFor("k-crash")}.json.abcdef.tmp`), '{"claimId":');
    expect(await findClaim(directory, "k-crash")).toBeUndefined();
  });
});

describe("agency-outbox validation", () => {
  const rejection = async (candidate: EvidenceBundle) => {
    const plugin = await agency();
    const error = await plugin.placeClaim(candidate, { idempotencyKey: KEY }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RelanceError);
    expect(error).toMatchObject({ code: "validation_failed", retryable: false });
    // Nothing was placed.
    await expect(readdir(claims)).rejects.toMatchObject({ code: "ENOENT" });
    return (error as RelanceError).issues.map((issue) => issue.path);
  };

  it("refuses a bundle without invoices", async () => {
    expect(await rejection({ ...bundle, invoices: [] })).toEqual(["invoices"]);
  });

  it("names every bad invoice field", async () => {
    const paths = await rejection({
      ...bundle,
      invoices: [
        invoice("ok"),
        invoice("zero", { balanceMinor: 0 }),
        invoice("money", { currency: "EURO", totalMinor: 12.5, balanceMinor: -3 }),
        invoice("lower", { currency: "eur" }),
        invoice("huge", { totalMinor: 2 ** 60, balanceMinor: Number.NaN }),
        invoice("over", { totalMinor: 100, balanceMinor: 101 }),
        invoice("someone else's", { debtorExternalId: "C43" }),
      ],
    });
    expect(paths).toEqual([
      "invoices[1].balanceMinor",
      "invoices[2].currency",
      "invoices[2].totalMinor",
      "invoices[2].balanceMinor",
      "invoices[3].currency",
      "invoices[4].totalMinor",
      "invoices[4].balanceMinor",
      "invoices[5].balanceMinor",
      "invoices[6].debtorExternalId",
    ]);
  });

  it("refuses an empty idempotency key, which could not name a claim", async () => {
    const plugin = await agency();
    await expect(plugin.placeClaim(bundle, { idempotencyKey: "" })).rejects.toMatchObject({
      code: "validation_failed",
      issues: [expect.objectContaining({ path: "idempotencyKey" })],
    });
    await expect(readdir(claims)).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("rejects a missing or relative directory, naming the field", async () => {
    for (const config of [{}, { directory: "relative/agency" }]) {
      const attempt = registry.create("agency-outbox", "agency", { config, secrets: {}, logger: silent });
      await expect(attempt).rejects.toMatchObject({
        code: "validation_failed",
        issues: [expect.objectContaining({ path: "config.directory" })],
      });
    }
  });
});

describe("agency-outbox status, recall and payments", () => {
  it("follows what is written in the .status file, last line first", async () => {
    const plugin = await agency();
    const { claimId } = await plugin.placeClaim(bundle, { idempotencyKey: KEY });
    const statusFile = join(claims, `${claimId}.status`);
    await writeFile(statusFile, "in_progress\n");
    expect(await plugin.getStatus(claimId)).toBe("in_progress");
    await appendFile(statusFile, "partially_paid\r\n\n");
    expect(await plugin.getStatus(claimId)).toBe("partially_paid");
    await writeFile(statusFile, "  paid  ");
    expect(await plugin.getStatus(claimId)).toBe("paid");
    await writeFile(statusFile, "");
    expect(await plugin.getStatus(claimId)).toBe("placed");
  });

  it("reports a .status file it cannot read as a retryable provider error", async () => {
    const plugin = await agency();
    const { claimId } = await plugin.placeClaim(bundle, { idempotencyKey: KEY });
    await writeFile(join(claims, `${claimId}.status`), "payed\n");
    await expect(plugin.getStatus(claimId)).rejects.toMatchObject({ code: "provider_unavailable", retryable: true });
  });

  it("recalls a claim: status recalled, reason and time in the log, once", async () => {
    const plugin = await agency();
    const { claimId } = await plugin.placeClaim(bundle, { idempotencyKey: KEY });
    await writeFile(join(claims, `${claimId}.status`), "in_progress\n");
    clock.advance(86_400_000);
    const reason = "Le débiteur a payé directement.\nVirement reçu le 23/11";
    await plugin.recall(claimId, reason);
    expect(await plugin.getStatus(claimId)).toBe("recalled");
    expect(await readFile(join(claims, `${claimId}.status`), "utf8")).toBe("recalled\n");
    expect(await logEntries(claimId)).toEqual([{ at: "2026-11-23T10:51:07.123Z", event: "recalled", reason }]);

    // A retried recall changes nothing.
    await plugin.recall(claimId, reason);
    expect(await logEntries(claimId)).toHaveLength(1);
    expect((await claimFiles()).filter((name) => name.endsWith(".tmp"))).toEqual([]);
  });

  it("refuses to recall a claim the agency has settled", async () => {
    const plugin = await agency();
    for (const status of ["paid", "closed", "rejected"]) {
      const { claimId } = await plugin.placeClaim(bundle, { idempotencyKey: `${KEY}:${status}` });
      await writeFile(join(claims, `${claimId}.status`), `${status}\n`);
      const attempt = plugin.recall(claimId, "paid directly");
      await expect(attempt).rejects.toBeInstanceOf(RelanceError);
      await expect(attempt).rejects.toMatchObject({ code: "conflict", retryable: false });
      expect(await plugin.getStatus(claimId)).toBe(status);
    }
    expect((await claimFiles()).filter((name) => name.endsWith(".log"))).toEqual([]);
  });

  it("requires a reason to recall", async () => {
    const plugin = await agency();
    const { claimId } = await plugin.placeClaim(bundle, { idempotencyKey: KEY });
    await expect(plugin.recall(claimId, "  ")).rejects.toMatchObject({
      code: "validation_failed",
      issues: [expect.objectContaining({ path: "reason" })],
    });
    expect(await plugin.getStatus(claimId)).toBe("placed");
  });

  it("appends reported payments to the log, after a recall too", async () => {
    const plugin = await agency();
    const { claimId } = await plugin.placeClaim(bundle, { idempotencyKey: KEY });
    await plugin.reportPayment(claimId, { amountMinor: 20_000, currency: "EUR" });
    clock.advance(60_000);
    await plugin.recall(claimId, "paid in full");
    clock.advance(60_000);
    await plugin.reportPayment(claimId, { amountMinor: 103_456, currency: "EUR" });
    expect(await logEntries(claimId)).toEqual([
      { at: "2026-11-22T10:51:07.123Z", event: "payment_reported", amountMinor: 20_000, currency: "EUR" },
      { at: "2026-11-22T10:52:07.123Z", event: "recalled", reason: "paid in full" },
      { at: "2026-11-22T10:53:07.123Z", event: "payment_reported", amountMinor: 103_456, currency: "EUR" },
    ]);
    await expect(plugin.reportPayment(claimId, { amountMinor: 0, currency: "XYZ" })).rejects.toMatchObject({
      code: "validation_failed",
      issues: [expect.objectContaining({ path: "amount.amountMinor" }), expect.objectContaining({ path: "amount.currency" })],
    });
    expect(await logEntries(claimId)).toHaveLength(3);
  });

  it("answers not_found for a claim it never placed, and for ids that are not claim ids", async () => {
    const plugin = await agency();
    await plugin.placeClaim(bundle, { idempotencyKey: KEY });
    // A .status file alone (or a path outside the folder) is no claim.
    await writeFile(join(claims, "ghost.status"), "in_progress\n");
    await writeFile(join(root, "outside.json"), "{}");
    for (const claimId of ["ghost", "unknown", "../../outside", "../claims/ghost", "", ".", "a\u0000b"]) {
      await expect(plugin.getStatus(claimId)).rejects.toMatchObject({ code: "not_found" });
      await expect(plugin.recall(claimId, "paid")).rejects.toMatchObject({ code: "not_found" });
      await expect(plugin.reportPayment(claimId, { amountMinor: 1, currency: "EUR" })).rejects.toMatchObject({
        code: "not_found",
      });
    }
    expect(await claimFiles()).toEqual([`${claimIdFor(KEY)}.json`, "ghost.status"]);
  });
});
