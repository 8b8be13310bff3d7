#!/usr/bin/env bash
# Stops a server started by .ci/s3-up.sh and removes its directory: bash .ci/s3-down.sh BASE_DIR
set -euo pipefail
BASE=${1:?usage: s3-down.sh BASE_DIR}
if [ -f "$BASE/pid" ]; then
  PID=$(cat "$BASE/pid")
  if kill "$PID" 2>/dev/null; then
    for _ in $(seq 50); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$PID" 2>/dev/null || true
  fi
fi
rm -rf "$BASE"
