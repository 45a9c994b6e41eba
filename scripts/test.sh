#!/usr/bin/env bash
# The one test command: set-up (idempotent), lint, type check, every test (unit + integration on a real
# Temporal dev server, on PGlite and on PostgreSQL). Its last line is "N passed, N failed".
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"
bash scripts/ensure-deps.sh
RELANCE_TEST_DATABASE_URL="$(bash scripts/ensure-postgres.sh | tail -n 1 | sed -E 's/^export RELANCE_TEST_DATABASE_URL=//')"
export RELANCE_TEST_DATABASE_URL
PNPM="$(pnpm_bin)"
failed_checks=0
passed_checks=0

step "Lint and format check (biome)"
if "$PNPM" exec biome ci --reporter=summary . >&2; then passed_checks=$((passed_checks + 1)); else failed_checks=$((failed_checks + 1)); fi

step "Type check (tsc --noEmit)"
if "$PNPM" exec tsc -p tsconfig.json >&2; then passed_checks=$((passed_checks + 1)); else failed_checks=$((failed_checks + 1)); fi

step "Tests (vitest)"
report="$ROOT/.vitest-report.json"
rm -f "$report"
"$PNPM" exec vitest run --reporter=default --reporter=json --outputFile.json="$report" "$@" >&2 || true

node -e '
const fs = require("node:fs");
const [file, checksPassed, checksFailed] = process.argv.slice(1);
let passed = Number(checksPassed), failed = Number(checksFailed);
if (fs.existsSync(file)) {
  const report = JSON.parse(fs.readFileSync(file, "utf8"));
  passed += report.numPassedTests;
  failed += report.numFailedTests;
  // A file that fails to load has no tests but must not pass silently.
  failed += report.testResults.filter((r) => r.status === "failed" && r.assertionResults.length === 0).length;
} else {
  failed += 1;
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
' "$report" "$passed_checks" "$failed_checks"
