#!/usr/bin/env bash
# Starts a throwaway PostgreSQL 15 cluster for tests and benchmarks, and prints its URL.
#
#   URL=$(bash .ci/pg-up.sh [BASE_DIR] [PORT])     # BASE_DIR default: a new /tmp/keel-pg.XXXXXX
#   bash .ci/pg-down.sh BASE_DIR
#
# The cluster runs as the `postgres` user (PostgreSQL refuses root) on 127.0.0.1:PORT and a unix
# socket in BASE_DIR/sock, with durability turned off (fsync=off): for tests only, never for data
# you want to keep. The last line printed is the connection URL of the database `keel_test`.
set -euo pipefail
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
BASE=${1:-$(mktemp -d /tmp/keel-pg.XXXXXX)}
PORT=${2:-55432}
if [ ! -x "$PGBIN/initdb" ]; then
  echo "pg-up: PostgreSQL binaries not found in $PGBIN (apt-get install postgresql-15)" >&2
  exit 1
fi
run_as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
if [ "$(id -u)" = 0 ]; then
  id -u postgres >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin postgres
fi
# The directory must be traversable by `postgres`, and short (unix socket paths are limited to ~107 bytes).
rm -rf "$BASE"
mkdir -p "$BASE/sock"
if [ "$(id -u)" = 0 ]; then chown -R postgres "$BASE"; fi
chmod 700 "$BASE"
run_as_postgres "$PGBIN/initdb" -D "$BASE/data" -U postgres --auth=trust -E UTF8 --locale=C --no-sync \
  >"$BASE/initdb.log" 2>&1 || { cat "$BASE/initdb.log" >&2; exit 1; }
run_as_postgres "$PGBIN/pg_ctl" -D "$BASE/data" -l "$BASE/server.log" -w -t 30 \
  -o "-p $PORT -k $BASE/sock -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
  start >/dev/null || { cat "$BASE/server.log" >&2; exit 1; }
run_as_postgres "$PGBIN/psql" -q -h "$BASE/sock" -p "$PORT" -U postgres -d postgres -c "CREATE DATABASE keel_test" >/dev/null
echo "postgres://postgres@127.0.0.1:$PORT/keel_test"
