/** Guards on the installed tree that a version bump could silently break. */
import { readFile, realpath } from "node:fs/promises";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../", import.meta.url));

describe("installed dependencies", () => {
  it("hold exactly one protobufjs, shared by every Temporal package (history replay depends on it)", async () => {
    const lockfile = await readFile(`${root}pnpm-lock.yaml`, "utf8");
    const versions = new Set([...lockfile.matchAll(/^ {2}protobufjs@([^:]+):$/gm)].map((match) => match[1]));
    expect([...versions]).toEqual(["8.8.1"]);
    const resolved = new Set<string>();
    for (const pkg of ["@temporalio/common", "@temporalio/proto", "@temporalio/worker", "@temporalio/client"]) {
      const fromPackage = createRequire(createRequire(`${root}test/package.json`).resolve(`${pkg}/package.json`));
      resolved.add(await realpath(fromPackage.resolve("protobufjs")));
    }
    expect(resolved.size).toBe(1);
  });

  it("pin every @temporalio package to one exact version", async () => {
    const manifests = ["core/server", "workflows", "test"].map((dir) => `${root}${dir}/package.json`);
    const pins = new Set<string>();
    for (const manifest of manifests) {
      const { dependencies = {} } = JSON.parse(await readFile(manifest, "utf8")) as { dependencies?: Record<string, string> };
      for (const [name, range] of Object.entries(dependencies)) if (name.startsWith("@temporalio/")) pins.add(range);
    }
    expect([...pins]).toEqual(["1.24.0"]);
  });
});
