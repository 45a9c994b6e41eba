#!/usr/bin/env bash
# The one run command: set-up (idempotent), then Temporal dev server + worker + API on the embedded
# defaults, with the demo ledger. Extra arguments go to `relance start` (e.g. drop --demo by running
# `pnpm relance start` yourself).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"
bash scripts/ensure-deps.sh
exec node --import tsx core/server/src/cli/main.ts start --demo "$@"
