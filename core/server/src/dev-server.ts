/**
 * The embedded Temporal dev server for `relance start`: the CLI built into .tools/bin, persisting to a
 * SQLite file in the data folder so workflows survive a restart, with the Web UI and our search attributes.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { connect } from "node:net";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Logger } from "@relance/core";
import { searchAttributeFlags } from "@relance/workflows";

export const temporalBinaryPath = resolve(fileURLToPath(new URL("../../../.tools/bin/temporal", import.meta.url)));

export interface DevServer {
  readonly address: string;
  readonly uiUrl: string;
  stop(): Promise<void>;
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      done(true);
    });
    socket.once("error", () => done(false));
  });
}

export async function startDevServer(options: {
  dataDir: string;
  port: number;
  uiPort: number;
  namespace: string;
  logger: Logger;
}): Promise<DevServer> {
  if (!existsSync(temporalBinaryPath)) {
    throw new Error(`the Temporal CLI is missing at ${temporalBinaryPath}: run \`bash scripts/ensure-temporal.sh\``);
  }
  await mkdir(options.dataDir, { recursive: true });
  if (await portOpen(options.port)) {
    throw new Error(`port ${options.port} is taken (another Temporal server?); set RELANCE_TEMPORAL_PORT or TEMPORAL_ADDRESS`);
  }
  const args = [
    "server",
    "start-dev",
    "--db-filename",
    resolve(options.dataDir, "temporal.sqlite"),
    "--ip",
    "127.0.0.1",
    "--port",
    String(options.port),
    "--ui-port",
    String(options.uiPort),
    "--namespace",
    options.namespace,
    "--log-level",
    "warn",
    ...searchAttributeFlags.flatMap((flag) => ["--search-attribute", flag]),
  ];
  const child: ChildProcess = spawn(temporalBinaryPath, args, { stdio: ["ignore", "pipe", "pipe"] });
  let stopping = false;
  // What the server prints while we stop it (its own pollers failing) is noise, not news.
  const forward = (chunk: Buffer) => {
    if (stopping) return;
    for (const line of chunk.toString().split("\n").filter(Boolean)) options.logger.info({ component: "temporal" }, line);
  };
  child.stdout?.on("data", forward);
  child.stderr?.on("data", forward);
  let exited = false;
  child.once("exit", () => {
    exited = true;
  });
  const deadline = Date.now() + 60_000;
  while (!(await portOpen(options.port))) {
    if (exited) throw new Error("the Temporal dev server exited during start-up (see the lines above)");
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error("the Temporal dev server did not open its port within 60 s");
    }
    await new Promise((wait) => setTimeout(wait, 200));
  }
  return {
    address: `127.0.0.1:${options.port}`,
    uiUrl: `http://127.0.0.1:${options.uiPort}`,
    stop: () =>
      new Promise<void>((done) => {
        if (exited) return done();
        stopping = true;
        child.once("exit", () => done());
        child.kill("SIGTERM");
        setTimeout(() => child.kill("SIGKILL"), 10_000).unref();
      }),
  };
}
