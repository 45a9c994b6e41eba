# Shared helpers for the set-up scripts: paths, progress lines, the pinned pnpm.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="$ROOT/.tools"
PNPM_VERSION="12.21.0"
step() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
note() { printf '    %s\n' "$*" >&2; }
pnpm_bin() { echo "$TOOLS/pnpm/node_modules/.bin/pnpm"; }
