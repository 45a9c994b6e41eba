/**
 * CSV import throughput: our `parseLedgerCsv` (decode, parse, validate, build records, batch) against a
 * raw PapaParse streaming parse of the same file with no validation.
 *
 *   node --import tsx test/bench/csv-import.ts [rows]     (default 100,000)
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { finished } from "node:stream/promises";
import { fileURLToPath } from "node:url";
import { parseLedgerCsv } from "@relance/connector-csv";

/** The slice of PapaParse's streaming API the baseline uses (the test package carries no @types/papaparse). */
interface PapaStreaming {
  parse(
    input: NodeJS.ReadableStream,
    config: {
      step?(results: { data: string[] }): void;
      chunk?(results: { data: string[][] }): void;
      complete(): void;
      error(error: Error): void;
    },
  ): void;
}
const Papa = createRequire(import.meta.url)("papaparse") as PapaStreaming;

const RUNS = 5;
const CHUNK_BYTES = 1024 * 1024;

/** Deterministic pseudo-random numbers (mulberry32), so every run measures the same file. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CURRENCIES = [
  { code: "EUR", exponent: 2 },
  { code: "USD", exponent: 2 },
  { code: "GBP", exponent: 2 },
  { code: "CHF", exponent: 2 },
  { code: "JPY", exponent: 0 },
];
const WORDS = ["Dupont", "Martin", "Atelier", "Boulangerie", "Transports", "Garage", "Studio", "Conseil", "Bâtiment", "Océan"];
const CITIES = ["Paris", "Lyon", "Nantes", "Lille", "Bordeaux", "Toulouse", "Rennes", "Marseille"];

interface BenchDebtor {
  readonly cells: readonly string[];
  readonly currency: (typeof CURRENCIES)[number];
}

/**
 * Writes a realistic export: ~10,000 debtors, quoted names with commas, several currencies, CRLF
 * lines. Written in pieces so the generator does not inflate the process's memory before measuring.
 */
async function writeLedgerCsv(file: string, rows: number): Promise<void> {
  const next = random(42);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
  const debtorCount = Math.max(1, Math.min(10_000, Math.ceil(rows / 10)));
  const debtors: BenchDebtor[] = Array.from({ length: debtorCount }, (_, i) => {
    const base = `${pick(WORDS)} ${pick(WORDS)} ${i}`;
    // About one name in five has a comma, so it is quoted.
    const name = next() < 0.2 ? `"${base}, SARL"` : base;
    return {
      cells: [`C${String(i).padStart(6, "0")}`, name, `compta${i}@example.fr`],
      currency: pick(CURRENCIES),
    };
  });
  const addresses = debtors.map((_, i) => [`${i} rue de la Paix`, String(10000 + (i % 89999)), pick(CITIES), "FR", "fr", "b2b"]);
  const out = createWriteStream(file);
  let lines = [
    "debtor_id,debtor_name,debtor_email,invoice_number,currency,amount,amount_due,issue_date,due_date,status,address_line1,postal_code,city,country,debtor_language,debtor_kind,reference",
  ];
  for (let i = 0; i < rows; i++) {
    if (lines.length === 10_000) {
      if (!out.write(`${lines.join("\r\n")}\r\n`)) await once(out, "drain");
      lines = [];
    }
    const d = Math.floor(next() * debtors.length);
    const debtor = debtors[d] as BenchDebtor;
    const minor = Math.floor(next() * 500_000) + 100;
    const amount =
      debtor.currency.exponent === 0 ? String(minor) : `${Math.floor(minor / 100)}.${String(minor % 100).padStart(2, "0")}`;
    const paid = next() < 0.3;
    const month = String(1 + Math.floor(next() * 12)).padStart(2, "0");
    const day = String(1 + Math.floor(next() * 28)).padStart(2, "0");
    lines.push(
      [
        ...debtor.cells,
        `INV-${String(i).padStart(8, "0")}`,
        debtor.currency.code,
        amount,
        paid ? "0" : amount,
        `2025-${month}-${day}`,
        `2026-${month}-${day}`,
        paid ? "paid" : "open",
        ...(addresses[d] as string[]),
        `PO-${i % 977}`,
      ].join(","),
    );
  }
  out.end(lines.length > 0 ? `${lines.join("\r\n")}\r\n` : "");
  await finished(out);
}

/**
 * The baseline: PapaParse streaming the file with no validation, rows as string arrays, in either of
 * its two streaming modes (a callback per row, or per parsed chunk); the faster one counts.
 */
async function papaparse(file: string, mode: "step" | "chunk"): Promise<number> {
  let rows = 0;
  await new Promise<void>((resolve, reject) => {
    Papa.parse(createReadStream(file, { highWaterMark: CHUNK_BYTES }), {
      ...(mode === "step"
        ? {
            step: () => {
              rows++;
            },
          }
        : {
            chunk: (results) => {
              rows += results.data.length;
            },
          }),
      complete: () => resolve(),
      error: (error) => reject(error),
    });
  });
  return rows;
}

async function ours(file: string): Promise<number> {
  let invoices = 0;
  for await (const batch of parseLedgerCsv(createReadStream(file, { highWaterMark: CHUNK_BYTES }), { fileName: "bench.csv" })) {
    invoices += batch.invoices.length;
  }
  return invoices;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

type Mode = "papaparse-step" | "papaparse-chunk" | "ours";
const MODES: readonly Mode[] = ["papaparse-step", "papaparse-chunk", "ours"];

interface Measurement {
  readonly seconds: number;
  readonly cpuSeconds: number;
  readonly count: number;
  readonly maxRssBytes: number;
}

/** One measurement in this process: two warm-up passes (JIT), then the median of three measured ones. */
async function measure(mode: Mode, file: string): Promise<Measurement> {
  const run = mode === "ours" ? ours : (path: string) => papaparse(path, mode === "papaparse-step" ? "step" : "chunk");
  for (let pass = 0; pass < 2; pass++) await run(file);
  const passes: Measurement[] = [];
  for (let pass = 0; pass < 3; pass++) {
    const cpu = process.cpuUsage();
    const start = process.hrtime.bigint();
    const count = await run(file);
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    const used = process.cpuUsage(cpu);
    passes.push({ seconds, cpuSeconds: (used.user + used.system) / 1e6, count, maxRssBytes: 0 });
  }
  const middle = [...passes].sort((a, b) => a.seconds - b.seconds)[1] as Measurement;
  return { ...middle, maxRssBytes: process.resourceUsage().maxRSS * 1024 };
}

/** Each measurement runs in a fresh process, so its peak RSS is its own. */
async function measureInChild(mode: Mode, file: string): Promise<Measurement> {
  const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), "--child", mode, file], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  let output = "";
  child.stdout.setEncoding("utf8").on("data", (text: string) => {
    output += text;
  });
  const [code] = (await once(child, "exit")) as [number | null];
  if (code !== 0) throw new Error(`${mode} run exited with ${code}`);
  return JSON.parse(output) as Measurement;
}

async function main(): Promise<void> {
  if (process.argv[2] === "--child") {
    const [mode, file] = process.argv.slice(3) as [Mode, string];
    process.stdout.write(JSON.stringify(await measure(mode, file)));
    return;
  }
  const rows = Number(process.argv[2] ?? 100_000);
  if (!Number.isSafeInteger(rows) || rows < 1) throw new Error(`rows must be a positive integer, got ${process.argv[2]}`);
  const dir = await mkdtemp(join(tmpdir(), "relance-csv-bench-"));
  try {
    const file = join(dir, "ledger.csv");
    await writeLedgerCsv(file, rows);
    const size = (await stat(file)).size;
    console.log(`file: ${rows.toLocaleString("en")} rows, ${(size / 1024 / 1024).toFixed(1)} MiB, node ${process.version}`);

    const results: Record<Mode, Measurement[]> = { "papaparse-step": [], "papaparse-chunk": [], ours: [] };
    const ratios: number[] = [];
    const cpuRatios: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      const measured = {} as Record<Mode, Measurement>;
      for (const mode of MODES) measured[mode] = await measureInChild(mode, file);
      for (const mode of MODES) {
        // PapaParse counts the header as a row.
        const expected = mode === "ours" ? rows : rows + 1;
        if (measured[mode].count !== expected) throw new Error(`${mode} read ${measured[mode].count} rows, expected ${expected}`);
        results[mode].push(measured[mode]);
      }
      const base = Math.min(measured["papaparse-step"].seconds, measured["papaparse-chunk"].seconds);
      const baseCpu = Math.min(measured["papaparse-step"].cpuSeconds, measured["papaparse-chunk"].cpuSeconds);
      ratios.push(base / measured.ours.seconds);
      cpuRatios.push(baseCpu / measured.ours.cpuSeconds);
      console.log(
        `run ${run + 1}: ${MODES.map((mode) => `${mode} ${rate(rows, measured[mode].seconds)} rows/s`).join(", ")}; ` +
          `ratio ${(base / measured.ours.seconds).toFixed(2)} (CPU time ${(baseCpu / measured.ours.cpuSeconds).toFixed(2)})`,
      );
    }
    const mib = (bytes: number) => `${Math.round(bytes / 1024 / 1024)} MiB`;
    for (const mode of MODES) {
      const runs = results[mode];
      console.log(
        `${mode.padEnd(16)} median ${rate(rows, median(runs.map((r) => r.seconds))).padStart(9)} rows/s, ` +
          `peak RSS ${mib(Math.max(...runs.map((r) => r.maxRssBytes)))}`,
      );
    }
    console.log(
      `median ratio ours / fastest PapaParse mode: ${median(ratios).toFixed(2)} wall clock, ${median(cpuRatios).toFixed(2)} CPU time (goal ≥ 0.5)`,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function rate(rows: number, seconds: number): string {
  return Math.round(rows / seconds).toLocaleString("en");
}

await main();
