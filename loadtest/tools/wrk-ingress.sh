#!/usr/bin/env bash
# Durable ingress ceilings of the embedded profile with wrk (its own process):
#   bash loadtest/tools/wrk-ingress.sh [seconds=10] [connections=256] [batch-connections=32]
# Starts Parley on 127.0.0.1:18090 with a fresh data dir and the ingress limits off (all load
# comes from one address; the reference's per-IP and per-user limits would be what is measured),
# creates a room, then runs POST /rooms/:room/ingress (one message per request) and
# POST /rooms/:room/ingress/batch (20 per request), and stops Parley.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
seconds="${1:-10}"; conns="${2:-256}"; batch_conns="${3:-32}"; port=18090
wrk="$(bash "$root/loadtest/tools/ensure-wrk.sh")"
data="$(mktemp -d /tmp/parley-wrk-XXXXXX)"
PORT=$port HOST=127.0.0.1 PARLEY_DATA_DIR="$data" LOG_LEVEL=warn \
  PARLEY_INGRESS_PER_IP_PER_10S=0 PARLEY_INGRESS_PER_USER_PER_10S=0 \
  PARLEY_RATE_LIMIT_PER_MINUTE=100000000 PARLEY_PUBLIC_RATE_LIMIT_PER_MINUTE=100000000 \
  node --import tsx "$root/apps/parley/src/main.ts" >"$data/parley.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$data"' EXIT
for _ in $(seq 1 150); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done
room_json="$(curl -sf -X POST "http://127.0.0.1:$port/rooms" -H 'content-type: application/json' -d '{"name":"wrk ingress"}')"
room="$(node -pe 'JSON.parse(process.argv[1]).room' "$room_json")"
export PARLEY_API_KEY="$(node -pe 'JSON.parse(process.argv[1]).api_key' "$room_json")"
echo "# $(date -u +%FT%TZ) $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), Node $(node -v)"
echo "## POST /rooms/:room/ingress, 1 message per request, $conns connections, ${seconds}s"
"$wrk" -t1 -c"$conns" -d"${seconds}s" --latency -s "$root/loadtest/scenarios/wrk-ingress.lua" "http://127.0.0.1:$port/rooms/$room/ingress" | grep -E 'Requests/sec|50%|99%|Non-2xx|Socket errors'
echo "## POST /rooms/:room/ingress/batch, 20 messages per request, $batch_conns connections, ${seconds}s (messages/s = requests/s × 20)"
"$wrk" -t1 -c"$batch_conns" -d"${seconds}s" --latency -s "$root/loadtest/scenarios/wrk-ingress-batch.lua" "http://127.0.0.1:$port/rooms/$room/ingress/batch" | grep -E 'Requests/sec|50%|99%|Non-2xx|Socket errors'
echo "## events in the store: $(curl -sf "http://127.0.0.1:$port/metrics" | grep -E '^parley_event_store_events_appended_total' | head -1 | tr '\n' ' ')"
