/**
 * A real Temporal dev server for tests: the CLI built by scripts/ensure-temporal.sh, started on free
 * ports by the SDK's test environment. Nothing is ever downloaded.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { searchAttributes } from "@relance/workflows";
import { TestWorkflowEnvironment } from "@temporalio/testing";

export const temporalBinary = fileURLToPath(new URL("../../.tools/bin/temporal", import.meta.url));

export async function startTemporal(options: { dbFilename?: string; port?: number } = {}): Promise<TestWorkflowEnvironment> {
  if (!existsSync(temporalBinary)) {
    throw new Error(`no Temporal CLI at ${temporalBinary}: run \`bash scripts/ensure-temporal.sh\` (the test command does)`);
  }
  return TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: "existing-path", path: temporalBinary },
      ip: "127.0.0.1",
      ui: false,
      searchAttributes: [...searchAttributes],
      ...(options.dbFilename ? { dbFilename: options.dbFilename } : {}),
      ...(options.port ? { port: options.port } : {}),
    },
  });
}
