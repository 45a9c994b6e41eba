#!/usr/bin/env bash
# Builds the Temporal CLI (dev server + Web UI) from the Go module proxy into .tools/bin, once.
# v1.5.1 is the last tag whose go.mod has no `replace` directive, which `go install pkg@version` refuses.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
TEMPORAL_CLI_VERSION="v1.5.1"
bin="$TOOLS/bin/temporal"
stamp="$TOOLS/bin/.temporal-version"
if [ -x "$bin" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$TEMPORAL_CLI_VERSION" ]; then
  exit 0
fi
if ! command -v go >/dev/null 2>&1; then
  echo "Go is required to build the Temporal CLI (go install github.com/temporalio/cli/cmd/temporal@$TEMPORAL_CLI_VERSION)." >&2
  exit 1
fi
step "Building the Temporal CLI $TEMPORAL_CLI_VERSION into .tools/bin (first time only: several minutes)"
mkdir -p "$TOOLS/bin"
GOBIN="$TOOLS/bin" GOFLAGS="${GOFLAGS:-} -buildvcs=false" go install -v "github.com/temporalio/cli/cmd/temporal@$TEMPORAL_CLI_VERSION" 2>&1 \
  | awk '{ n++; if (n % 25 == 0) printf "    … %d packages compiled (%s)\n", n, $0 > "/dev/stderr" } END { printf "    %d packages compiled\n", n > "/dev/stderr" }'
"$bin" --version >&2
echo "$TEMPORAL_CLI_VERSION" > "$stamp"
