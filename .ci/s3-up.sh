#!/usr/bin/env bash
# Starts the S3-compatible test server (s3rver, a dev dependency) and prints its endpoint.
#
#   ENDPOINT=$(bash .ci/s3-up.sh BASE_DIR [PORT])     # PORT default: 54568
#   bash .ci/s3-down.sh BASE_DIR
#
# It listens on 127.0.0.1:PORT, keeps its buckets in BASE_DIR/data and its process id in
# BASE_DIR/pid. Running it again while that server is alive only prints the endpoint. The test
# suites use it through KEEL_TEST_S3_ENDPOINT (s3rver accepts the access key S3RVER, any secret).
set -euo pipefail
cd "$(dirname "$0")/.."
BASE=${1:?usage: s3-up.sh BASE_DIR [PORT]}
PORT=${2:-54568}
ENDPOINT="http://127.0.0.1:$PORT"
if [ -f "$BASE/pid" ] && kill -0 "$(cat "$BASE/pid")" 2>/dev/null; then
  echo "$ENDPOINT"
  exit 0
fi
mkdir -p "$BASE/data"
# s3rver encrypts listing continuation tokens with DES, which OpenSSL 3 keeps in its legacy provider.
# Started with node itself (not npx), so the recorded process id is the server's.
NODE_OPTIONS=--openssl-legacy-provider nohup node node_modules/s3rver/bin/s3rver.js \
  -d "$BASE/data" -a 127.0.0.1 -p "$PORT" --silent >"$BASE/server.log" 2>&1 &
echo $! >"$BASE/pid"
for _ in $(seq 200); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
    echo "$ENDPOINT"
    exit 0
  fi
  if ! kill -0 "$(cat "$BASE/pid")" 2>/dev/null; then break; fi
  sleep 0.1
done
echo "s3-up: s3rver did not start on port $PORT:" >&2
cat "$BASE/server.log" >&2
exit 1
