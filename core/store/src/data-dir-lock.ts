/**
 * PGlite is a database inside one process: two processes opening the same files would corrupt them.
 * A lock file holding the owner's pid guards the data directory; a lock left by a dead process is
 * taken over.
 */
import { linkSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { RelanceError } from "@relance/core";

export interface DataDirLock {
  readonly path: string;
  release(): void;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function readHolder(path: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(path, "utf8").trim(), 10);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

function removeIfPresent(path: string): void {
  try {
    unlinkSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
}

/** Creates the lock file with its content in one step (a hard link), so nobody ever reads it empty. */
function tryCreate(path: string): boolean {
  const draft = `${path}.${process.pid}.tmp`;
  writeFileSync(draft, `${process.pid}\n`, { mode: 0o644 });
  try {
    linkSync(draft, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  } finally {
    removeIfPresent(draft);
  }
}

export function acquireDataDirLock(path: string, what: string): DataDirLock {
  for (let attempt = 0; attempt < 5; attempt += 1) {
    if (!tryCreate(path)) {
      const holder = readHolder(path);
      if (holder !== undefined && isAlive(holder)) {
        throw new RelanceError(
          "conflict",
          `${what} is in use by process ${holder}${holder === process.pid ? " (this process)" : ""} (relance start?): ` +
            `stop it first, or set DATABASE_URL to a PostgreSQL server that several processes can share. Lock file: ${path}`,
        );
      }
      // Stale (its owner died) or unreadable: remove it, unless someone took it over meanwhile, and retry.
      if (readHolder(path) === holder) removeIfPresent(path);
      continue;
    }
    let held = true;
    const release = (): void => {
      if (!held) return;
      held = false;
      process.off("exit", release);
      if (readHolder(path) === process.pid) removeIfPresent(path);
    };
    process.on("exit", release);
    return { path, release };
  }
  throw new RelanceError(
    "conflict",
    `${what} is being opened by another process at the same time; try again (lock file: ${path})`,
  );
}
