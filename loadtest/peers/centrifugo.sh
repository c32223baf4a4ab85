#!/usr/bin/env bash
# Centrifugo peer: builds a pinned Centrifugo with `go install` (first build takes minutes),
# writes a loopback-only config and runs it in the foreground.
#
#   loadtest/peers/centrifugo.sh [--port 9103] [--build-only]
#
# Env: CENTRIFUGO_VERSION (pinned default below), PARLEY_LOADTEST_TOOLS (where the binary and
# config live; default ~/.cache/parley-loadtest), CENTRIFUGO_API_KEY, CENTRIFUGO_HMAC_SECRET.
# Clients: ws://127.0.0.1:<port>/connection/websocket (JSON protocol; insecure client mode,
# so connect needs no token — a HMAC JWT made with CENTRIFUGO_HMAC_SECRET is accepted too).
# Publish: POST /api/publish or /api/batch with header `X-API-Key: $CENTRIFUGO_API_KEY`.
set -euo pipefail

VERSION="${CENTRIFUGO_VERSION:-v6.9.1}"
TOOLS="${PARLEY_LOADTEST_TOOLS:-$HOME/.cache/parley-loadtest}"
BIN="$TOOLS/bin/centrifugo-$VERSION"
PORT=9103
BUILD_ONLY=0
while [ $# -gt 0 ]; do
  case "$1" in
    --port) PORT="$2"; shift 2 ;;
    --build-only) BUILD_ONLY=1; shift ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done

if [ ! -x "$BIN" ]; then
  command -v go >/dev/null || { echo "centrifugo.sh: Go toolchain not found (needed to build Centrifugo)" >&2; exit 1; }
  mkdir -p "$TOOLS/bin" "$TOOLS/gobin"
  echo "centrifugo.sh: building github.com/centrifugal/centrifugo/v6@$VERSION (first time only)..." >&2
  GOBIN="$TOOLS/gobin" go install "github.com/centrifugal/centrifugo/v6@$VERSION"
  mv "$TOOLS/gobin/centrifugo" "$BIN"
fi
[ "$BUILD_ONLY" = 1 ] && { echo "$BIN"; exit 0; }

API_KEY="${CENTRIFUGO_API_KEY:-parley-loadtest-api-key}"
HMAC_SECRET="${CENTRIFUGO_HMAC_SECRET:-parley-loadtest-hmac-secret}"
CONFIG="$TOOLS/centrifugo-$PORT.json"
cat > "$CONFIG" <<JSON
{
  "log": { "level": "warn" },
  "http_server": { "address": "127.0.0.1", "port": "$PORT" },
  "client": {
    "insecure": true,
    "allowed_origins": ["*"],
    "token": { "hmac_secret_key": "$HMAC_SECRET" },
    "ping_interval": "60s",
    "pong_timeout": "20s"
  },
  "http_api": { "key": "$API_KEY" },
  "channel": {
    "without_namespace": { "allow_subscribe_for_client": true }
  }
}
JSON

# Many idle connections need many descriptors; raise the soft limit as far as allowed.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
exec "$BIN" --config "$CONFIG"
