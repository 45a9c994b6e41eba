#!/usr/bin/env bash
# Makes sure a throwaway PostgreSQL server for the test suite runs on 127.0.0.1 (trust auth), then prints
#   export RELANCE_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:<port>/postgres
# as the last line of stdout (progress goes to stderr), so callers can `eval "$(scripts/ensure-postgres.sh)"`.
# Idempotent: installs Debian's `postgresql` package only when no server binaries are found, creates the
# cluster once, starts it only when it is not already answering.
#
# Environment: RELANCE_TEST_PG_PORT (default 54329), RELANCE_TEST_PG_DIR (default /var/tmp/relance-pg, or
# /var/tmp/relance-pg-<port> for another port).
# Stop it with: pg_ctl -D "$RELANCE_TEST_PG_DIR" stop (as the postgres user when run as root).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PORT="${RELANCE_TEST_PG_PORT:-54329}"
# One cluster per port, so asking for another port never restarts a server others are using.
if [ "$PORT" = 54329 ]; then default_dir=/var/tmp/relance-pg; else default_dir="/var/tmp/relance-pg-$PORT"; fi
PGDIR="${RELANCE_TEST_PG_DIR:-$default_dir}"
DATA="$PGDIR/data"
LOG="$PGDIR/server.log"

find_bindir() {
  # The highest installed major version that has both initdb and pg_ctl (compared as numbers: 9 < 15).
  local dir major best="" best_major=-1
  for dir in /usr/lib/postgresql/*/bin; do
    if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then
      major="$(basename "$(dirname "$dir")")"
      if [[ "$major" =~ ^[0-9]+$ ]] && [ "$major" -gt "$best_major" ]; then
        best="$dir"
        best_major="$major"
      fi
    fi
  done
  echo "$best"
}

BIN="$(find_bindir)"
if [ -z "$BIN" ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "PostgreSQL is not installed and this script is not running as root: install it with 'apt-get install postgresql'." >&2
    exit 1
  fi
  step "Installing PostgreSQL from the Debian packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >&2
  apt-get install -y -q --no-install-recommends postgresql >&2
  BIN="$(find_bindir)"
  if [ -z "$BIN" ]; then
    echo "apt-get installed postgresql but no initdb/pg_ctl was found under /usr/lib/postgresql/*/bin." >&2
    exit 1
  fi
fi
note "using $("$BIN/postgres" --version) from $BIN"

# The server refuses to run as root: as root, run it as the postgres system user.
if [ "$(id -u)" -eq 0 ]; then
  if ! id -u postgres >/dev/null 2>&1; then
    step "Creating the postgres system user"
    useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
  fi
  as_pg() { runuser -u postgres -- "$@"; }
  OWNER=postgres
else
  as_pg() { "$@"; }
  OWNER="$(id -un)"
fi

mkdir -p "$PGDIR"
if [ "$(id -u)" -eq 0 ]; then chown "$OWNER" "$PGDIR"; fi
chmod 700 "$PGDIR"

if [ ! -s "$DATA/PG_VERSION" ]; then
  step "Creating a test cluster in $DATA"
  rm -rf "$DATA"
  as_pg "$BIN/initdb" -D "$DATA" -U postgres --auth=trust --encoding=UTF8 --locale=C >"$PGDIR/initdb.log" 2>&1 || {
    cat "$PGDIR/initdb.log" >&2
    exit 1
  }
  # A disposable server for tests: durability is not wanted, speed and many parallel connections are.
  cat >>"$DATA/postgresql.conf" <<'CONF'

# relance test cluster
listen_addresses = '127.0.0.1'
max_connections = 200
fsync = off
synchronous_commit = off
full_page_writes = off
CONF
fi

ready() { "$BIN/pg_isready" -q -h 127.0.0.1 -p "$PORT" -U postgres; }

if ready; then
  note "already running on 127.0.0.1:$PORT"
else
  if as_pg "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
    step "Restarting the test cluster on port $PORT"
    as_pg "$BIN/pg_ctl" -D "$DATA" -m fast -w stop >&2
  else
    step "Starting the test cluster on 127.0.0.1:$PORT"
  fi
  # The socket goes in our own folder: /var/run/postgresql may not exist or not be writable.
  as_pg "$BIN/pg_ctl" -D "$DATA" -l "$LOG" -w -t 60 -o "-p $PORT -k $PGDIR" start >&2 || {
    tail -n 30 "$LOG" >&2 || true
    exit 1
  }
  for _ in $(seq 1 60); do
    ready && break
    sleep 0.5
  done
  if ! ready; then
    echo "PostgreSQL did not become ready on 127.0.0.1:$PORT; see $LOG" >&2
    tail -n 30 "$LOG" >&2 || true
    exit 1
  fi
  note "ready on 127.0.0.1:$PORT"
fi

echo "export RELANCE_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:$PORT/postgres"
