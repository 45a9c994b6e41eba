#!/usr/bin/env bash
# Everything both README commands need: pnpm, the workspace's packages, the Temporal CLI.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bash "$ROOT/scripts/ensure-pnpm.sh"
step "Installing packages (pnpm install --frozen-lockfile)"
(cd "$ROOT" && "$(pnpm_bin)" install --frozen-lockfile --reporter=append-only 2>&1 | grep -vE '^\s*$' | tail -n 5 >&2)
bash "$ROOT/scripts/ensure-temporal.sh"
