import { defineConfig } from "vitest/config";

// Temporal's native bridge is not safe under worker threads: every test file runs in its own process.
export default defineConfig({
  test: {
    pool: "forks",
    include: ["{core,plugins,connectors,workflows,config}/**/test/**/*.test.ts", "test/**/*.test.ts"],
    exclude: ["**/node_modules/**"],
    testTimeout: 60_000,
    hookTimeout: 180_000,
    fileParallelism: true,
    maxWorkers: 2,
  },
});
