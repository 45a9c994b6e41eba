#!/usr/bin/env bash
# Installs the pinned pnpm into .tools/pnpm (from the npm registry), once.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bin="$(pnpm_bin)"
if [ -x "$bin" ] && [ "$("$bin" --version 2>/dev/null)" = "$PNPM_VERSION" ]; then
  exit 0
fi
step "Installing pnpm $PNPM_VERSION into .tools/pnpm"
mkdir -p "$TOOLS/pnpm"
npm install --no-audit --no-fund --loglevel=error --prefix "$TOOLS/pnpm" "pnpm@$PNPM_VERSION" >&2
