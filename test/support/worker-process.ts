/** A Relance worker in its own process (the real `relance worker` command), so a test can kill it. */
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const cli = fileURLToPath(new URL("../../core/server/src/cli/main.ts", import.meta.url));

export interface WorkerProcess {
  readonly pid: number;
  readonly exited: Promise<number | null>;
  readonly output: () => string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export function spawnWorker(env: Record<string, string>): WorkerProcess {
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", cli, "worker"], {
    env: { ...process.env, ...env, RELANCE_LOG_FORMAT: "json", RELANCE_LOG_LEVEL: "warn" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<number | null>((done) => child.once("exit", (code) => done(code)));
  if (child.pid === undefined) throw new Error("could not start the worker process");
  return {
    pid: child.pid,
    exited,
    output: () => output,
    async kill(signal = "SIGKILL") {
      child.kill(signal);
      await exited;
    },
  };
}
