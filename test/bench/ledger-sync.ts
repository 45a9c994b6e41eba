/**
 * Ledger sync cost of the Xero and QuickBooks Online connectors, measured against the vendor fakes.
 *
 *   node --import tsx test/bench/ledger-sync.ts [invoices=10000] [rounds=2]
 *
 * Environment: BENCH_WINDOW_MS (default 2000) is the length of Xero's rate "minute" in part 2;
 * BENCH_PAGE_SIZE (default 100) is the Xero page size of part 2; BENCH_LATENCY_MS (default 0) holds
 * every answer of part 2's fakes that long, as a real API's round trip would.
 *
 * Part 1, API calls. One ledger per vendor with N invoices over N/10 contacts, 50 payments and 20
 * credit notes (10 allocated / applied), stamped one second apart in January 2025 from a fixed seed.
 * The connector is driven as the server drives it (connection-sync workflow → syncPage): one plugin per
 * connection, `listChanges({since, cursor})` until no cursor, retryable errors retried after the
 * delay they ask for; then an unchanged re-sync from the watermark the last page gave. Calls are the
 * accounting API calls the fake answered (OAuth calls excluded), against the floor ceil(N / 1000).
 * Goals: full ≤ floor + 2, unchanged ≤ 2. The invoices read must be exactly the N seeded (else exit 1).
 * The "refs" column counts, apart, the fetchChanged reads that the server's syncPage adds after a page
 * (withReferences: allocated invoices missing from the page, debtors not stored yet).
 *
 * Part 2, wall time under Xero's 60 calls a minute. Time is compressed: the fake's rate window and the
 * app's `rateWindowMs` are BENCH_WINDOW_MS. The same full sync (page size BENCH_PAGE_SIZE, so it needs
 * more calls than one window allows) runs against a fake with the limit effectively off (baseline) and
 * one with 60 per window (limited), alternately, `rounds` times, each after one idle window. The limit
 * alone costs floor = (ceil(calls / 60) − 1) × window; the figure is limited / (floor + baseline),
 * 1.00 being a sync that pays exactly the limit's floor. That sum counts the calls of the first window
 * twice when they are slow, so "paced ideal" is also shown: (windows − 1) × max(window, 60 × mean call
 * time of the baseline) + the calls of the last window. 429s are counted at the fake. A third run per round
 * builds a new plugin for every page, which loses the pacer's knowledge of the window between pages.
 */
import { startFakeQuickBooks } from "../fakes/quickbooks";
import { startFakeXero } from "../fakes/xero";
import {
  type LedgerShape,
  type PluginFactory,
  quickBooksPlugins,
  runSync,
  SeedClock,
  type Seeded,
  type SyncResult,
  seedQuickBooks,
  seedXero,
  shapeFor,
  sleep,
  xeroPlugins,
} from "./ledger-sync-harness";

const PAGE_SIZE = 1000;
const XERO_PER_MINUTE = 60;
const UNLIMITED = 1_000_000;

function positiveInteger(text: string | undefined, fallback: number, name: string): number {
  if (text === undefined || text === "") return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer, got "${text}"`);
  return value;
}

const invoices = positiveInteger(process.argv[2], 10_000, "invoices");
const rounds = positiveInteger(process.argv[3], 2, "rounds");
const windowMs = positiveInteger(process.env.BENCH_WINDOW_MS, 2000, "BENCH_WINDOW_MS");
const ratePageSize = positiveInteger(process.env.BENCH_PAGE_SIZE, 100, "BENCH_PAGE_SIZE");
const latencyMs = process.env.BENCH_LATENCY_MS ? positiveInteger(process.env.BENCH_LATENCY_MS, 0, "BENCH_LATENCY_MS") : 0;

const failures: string[] = [];
const fmt = (value: number) => value.toLocaleString("en-GB");
const ms = (value: number) => `${fmt(Math.round(value))} ms`;
const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
};
const breakdown = (keys: readonly string[]) => {
  const counts = new Map<string, number>();
  for (const key of keys) counts.set(key, (counts.get(key) ?? 0) + 1);
  return [...counts].map(([key, count]) => `${key} ×${count}`).join(", ");
};

/** The records a sync must have read: every seeded invoice exactly; the rest is reported. */
function verify(label: string, result: SyncResult, seeded: Seeded): void {
  const seen = `${fmt(result.invoiceIds.size)} invoices, ${fmt(result.debtorIds.size)} debtors, ${fmt(result.creditNoteIds.size)} credit notes, ${fmt(result.paymentIds.size)} payments`;
  console.log(
    `  read: ${seen} (seeded ${fmt(seeded.invoices)} / ${fmt(seeded.contacts)} / ${fmt(seeded.creditNotes)} / ${fmt(seeded.payments)})`,
  );
  if (result.invoiceIds.size !== seeded.invoices) {
    failures.push(`${label}: read ${result.invoiceIds.size} distinct invoices, expected ${seeded.invoices}`);
    console.log(`  !! ${label}: ${result.invoiceIds.size} distinct invoices read, ${seeded.invoices} seeded`);
  }
  if (result.debtorIds.size !== seeded.contacts)
    console.log(`  note: ${label} read ${result.debtorIds.size} debtors of ${seeded.contacts} seeded contacts`);
}

interface CallRow {
  readonly vendor: string;
  readonly sync: "full" | "unchanged";
  readonly calls: number;
  readonly floor: number;
  readonly goal: number;
  readonly refs: number;
  readonly records: number;
  readonly detail: string;
}

interface Counted {
  readonly result: SyncResult;
  /** Accounting calls of this sync, minus reference completion. */
  readonly calls: number;
  /** Route or endpoint of each of those calls, for the breakdown. */
  readonly keys: readonly string[];
  readonly throttled: number;
}

/** A vendor as part 1 sees it: how to run a sync and read the calls it made at the fake. */
interface Vendor {
  readonly name: string;
  readonly accountId: string;
  readonly plugins: PluginFactory;
  readonly seeded: Seeded;
  /** Accounting calls so far: their route keys and statuses. */
  calls(): readonly { readonly key: string; readonly status: number }[];
}

async function counted(vendor: Vendor, since: string | undefined): Promise<Counted> {
  const before = vendor.calls().length;
  const result = await runSync(vendor.plugins, {
    ...(since === undefined ? {} : { since }),
    pluginPerPage: false,
    completeReferences: true,
    accountId: vendor.accountId,
    apiCalls: () => vendor.calls().length,
  });
  const made = vendor.calls().slice(before);
  return {
    result,
    calls: made.length - result.referenceCalls,
    keys: made.map((call) => call.key),
    throttled: made.filter((call) => call.status === 429).length,
  };
}

async function callCounts(vendor: Vendor): Promise<CallRow[]> {
  const floor = Math.ceil(vendor.seeded.invoices / PAGE_SIZE);
  console.log(`\n${vendor.name}: full sync`);
  const full = await counted(vendor, undefined);
  verify(`${vendor.name} full sync`, full.result, vendor.seeded);
  console.log(`  ${full.result.pages} pages, ${ms(full.result.wallMs)}, watermark ${full.result.watermark ?? "(none)"}`);
  console.log(
    `  calls: ${breakdown(full.keys)}${full.result.referenceCalls ? ` (of which ${full.result.referenceCalls} by reference completion)` : ""}`,
  );
  if (full.throttled) console.log(`  !! ${full.throttled} calls answered 429`);
  console.log(`${vendor.name}: unchanged re-sync from that watermark`);
  const again = await counted(vendor, full.result.watermark);
  console.log(
    `  ${again.result.pages} pages, ${fmt(again.result.records)} records, watermark ${again.result.watermark ?? "(none)"}`,
  );
  console.log(`  calls: ${breakdown(again.keys) || "none"}`);
  if (again.result.records > 0) console.log(`  note: an unchanged ledger gave ${again.result.records} records`);
  return [
    {
      vendor: vendor.name,
      sync: "full",
      calls: full.calls,
      floor,
      goal: floor + 2,
      refs: full.result.referenceCalls,
      records: full.result.records,
      detail: `${full.result.pages} pages`,
    },
    {
      vendor: vendor.name,
      sync: "unchanged",
      calls: again.calls,
      floor: 0,
      goal: 2,
      refs: again.result.referenceCalls,
      records: again.result.records,
      detail: `${again.result.pages} pages`,
    },
  ];
}

interface RateRun {
  readonly round: number;
  readonly mode: "baseline" | "limited" | "limited, plugin per page";
  readonly wallMs: number;
  readonly calls: number;
  readonly throttled: number;
  readonly retries: number;
}

async function main(): Promise<void> {
  const shape: LedgerShape = shapeFor(invoices);
  console.log(
    `Ledger sync benchmark: ${fmt(shape.invoices)} invoices, ${fmt(shape.contacts)} contacts, ${shape.payments} payments, ` +
      `${shape.creditNotes} credit notes; part 2: window ${fmt(windowMs)} ms, ${XERO_PER_MINUTE} calls/window, ` +
      `page size ${ratePageSize}, ${rounds} round(s)`,
  );

  // Part 1 ----------------------------------------------------------------------------------------
  const xeroClock = new SeedClock();
  const xero = await startFakeXero({
    now: xeroClock.now,
    limits: { perMinute: UNLIMITED, perDay: UNLIMITED, appPerMinute: UNLIMITED },
  });
  const qboClock = new SeedClock();
  const qbo = await startFakeQuickBooks({ now: qboClock.now, requestsPerWindow: UNLIMITED });
  let seedStarted = performance.now();
  const xeroSeeded = seedXero(xero, xeroClock, shape);
  const qboSeeded = seedQuickBooks(qbo, qboClock, shape);
  console.log(`seeded both fakes in ${ms(performance.now() - seedStarted)}`);

  const xeroVendor: Vendor = {
    name: "Xero",
    accountId: xero.organisations[0]?.tenantId ?? "",
    plugins: xeroPlugins(xero, { pageSize: PAGE_SIZE, rateWindowMs: 60_000 }),
    seeded: xeroSeeded,
    calls: () =>
      xero.apiCalls().map((call) => ({ key: `${call.method} ${call.path.replace("/api.xro/2.0", "")}`, status: call.status })),
  };
  const qboVendor: Vendor = {
    name: "QuickBooks",
    accountId: qbo.realmId,
    plugins: quickBooksPlugins(qbo),
    seeded: qboSeeded,
    calls: () =>
      qbo.calls
        .filter((call) => call.path.startsWith("/v3/company/"))
        .map((call) => ({
          key: call.endpoint === "query" ? `query ${/from\s+(\w+)/i.exec(call.query ?? "")?.[1] ?? "?"}` : call.endpoint,
          status: call.status,
        })),
  };
  const callRows = [...(await callCounts(xeroVendor)), ...(await callCounts(qboVendor))];
  await xero.close();
  await qbo.close();

  // Part 2 ----------------------------------------------------------------------------------------
  console.log(`\nXero full sync under ${XERO_PER_MINUTE} calls per ${fmt(windowMs)} ms window (page size ${ratePageSize})`);
  const baselineClock = new SeedClock();
  const baseline = await startFakeXero({
    now: baselineClock.now,
    latencyMs,
    limits: { perMinute: UNLIMITED, perDay: UNLIMITED, appPerMinute: UNLIMITED, windowMs },
  });
  const limitedClock = new SeedClock();
  const limited = await startFakeXero({ now: limitedClock.now, latencyMs, limits: { perMinute: XERO_PER_MINUTE, windowMs } });
  seedStarted = performance.now();
  seedXero(baseline, baselineClock, shape);
  seedXero(limited, limitedClock, shape);
  console.log(`seeded the two fakes of part 2 in ${ms(performance.now() - seedStarted)}; answer latency ${latencyMs} ms`);
  const runs: RateRun[] = [];
  const targets = {
    baseline: {
      fake: baseline,
      plugins: xeroPlugins(baseline, { pageSize: ratePageSize, rateWindowMs: windowMs }),
      perPage: false,
    },
    limited: { fake: limited, plugins: xeroPlugins(limited, { pageSize: ratePageSize, rateWindowMs: windowMs }), perPage: false },
    "limited, plugin per page": {
      fake: limited,
      plugins: xeroPlugins(limited, { pageSize: ratePageSize, rateWindowMs: windowMs }),
      perPage: true,
    },
  } as const;
  for (let round = 1; round <= rounds; round++) {
    for (const mode of ["baseline", "limited", "limited, plugin per page"] as const) {
      const target = targets[mode];
      // Starts each run with an empty rolling window.
      await sleep(windowMs + 100);
      const before = target.fake.apiCalls().length;
      const result = await runSync(target.plugins, {
        pluginPerPage: target.perPage,
        completeReferences: false,
        accountId: target.fake.organisations[0]?.tenantId ?? "",
        apiCalls: () => target.fake.apiCalls().length,
      });
      const made = target.fake.apiCalls().slice(before);
      if (result.invoiceIds.size !== xeroSeeded.invoices) {
        failures.push(`part 2 ${mode} round ${round}: read ${result.invoiceIds.size} invoices, expected ${xeroSeeded.invoices}`);
      }
      const run: RateRun = {
        round,
        mode,
        wallMs: result.wallMs,
        calls: made.length,
        throttled: made.filter((call) => call.status === 429).length,
        retries: result.retries,
      };
      runs.push(run);
      const reasons = [...new Set(result.retryReasons)].join("; ");
      console.log(
        `  round ${round} ${mode.padEnd(19)} ${ms(run.wallMs).padStart(10)}  ${run.calls} calls, ${run.throttled} × 429, ` +
          `${run.retries} page retries${reasons ? ` (${reasons})` : ""}, ${fmt(result.invoiceIds.size)} invoices`,
      );
    }
  }
  await baseline.close();
  await limited.close();

  // Summary -----------------------------------------------------------------------------------------
  console.log("\nAPI calls (accounting calls answered by the fake; page size 1,000; refs = server's reference reads, apart)");
  console.log("  vendor      sync        calls  floor  over  goal   met  refs  records");
  for (const row of callRows) {
    const over = row.calls - row.floor;
    console.log(
      `  ${row.vendor.padEnd(11)} ${row.sync.padEnd(10)} ${String(row.calls).padStart(6)} ${String(row.floor).padStart(6)} ` +
        `${`+${over}`.padStart(5)} ${`≤${row.goal}`.padStart(5)} ${(row.calls <= row.goal ? "yes" : "NO").padStart(5)} ` +
        `${String(row.refs).padStart(5)} ${fmt(row.records).padStart(8)}`,
    );
  }
  const needed = median(runs.filter((run) => run.mode === "baseline").map((run) => run.calls));
  const floorMs = (Math.ceil(needed / XERO_PER_MINUTE) - 1) * windowMs;
  console.log(
    `\nXero wall time under the limit (${fmt(needed)} calls needed, ${XERO_PER_MINUTE}/window of ${fmt(windowMs)} ms → ` +
      `limit floor (ceil(${fmt(needed)}/${XERO_PER_MINUTE}) − 1) × ${fmt(windowMs)} = ${ms(floorMs)})`,
  );
  console.log("  round  baseline  floor+base  paced ideal |  limited  ratio  ÷ideal  429s | plugin/page  ratio ÷ideal  429s");
  const windows = Math.ceil(needed / XERO_PER_MINUTE);
  for (let round = 1; round <= rounds; round++) {
    const of = (mode: RateRun["mode"]) => runs.find((run) => run.round === round && run.mode === mode);
    const base = of("baseline");
    const server = of("limited");
    const single = of("limited, plugin per page");
    if (!base || !server || !single) continue;
    // A perfect pacer with the baseline's mean call time: each full window lasts max(window, its calls).
    const perCall = base.wallMs / needed;
    const ideal =
      (windows - 1) * Math.max(windowMs, XERO_PER_MINUTE * perCall) + (needed - (windows - 1) * XERO_PER_MINUTE) * perCall;
    const columns = (run: RateRun) =>
      `${ms(run.wallMs).padStart(9)} ${(run.wallMs / (floorMs + base.wallMs)).toFixed(2).padStart(6)} ` +
      `${(run.wallMs / ideal).toFixed(2).padStart(7)} ${String(run.throttled).padStart(5)}`;
    console.log(
      `  ${String(round).padStart(5)} ${ms(base.wallMs).padStart(9)} ${ms(floorMs + base.wallMs).padStart(11)} ${ms(ideal).padStart(12)} |` +
        `${columns(server)} | ${columns(single).padStart(10)}`,
    );
  }
  const any429 = runs.some((run) => run.mode === "limited" && run.throttled > 0);
  console.log(
    `  goal: limited close to floor + baseline (ratio → 1.00) with no 429 storm; 429 received (server-like runs): ${any429 ? "yes" : "no"}`,
  );
  if (failures.length > 0) {
    console.log(`\nFAILED:\n  ${failures.join("\n  ")}`);
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
