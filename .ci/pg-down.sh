#!/usr/bin/env bash
# Stops a cluster started by .ci/pg-up.sh and removes its directory: bash .ci/pg-down.sh BASE_DIR
set -euo pipefail
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
BASE=${1:?usage: pg-down.sh BASE_DIR}
if [ -f "$BASE/data/postmaster.pid" ]; then
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$PGBIN/pg_ctl" -D "$BASE/data" -m fast -w stop >/dev/null
  else
    "$PGBIN/pg_ctl" -D "$BASE/data" -m fast -w stop >/dev/null
  fi
fi
rm -rf "$BASE"
