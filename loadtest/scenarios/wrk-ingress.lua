-- Durable-ingress ceiling with wrk (one light C client; autocannon's Node client tops out first).
--   PARLEY_API_KEY=sk_live_… wrk -t1 -c256 -d10s --latency -s loadtest/scenarios/wrk-ingress.lua \
--       http://127.0.0.1:8080/rooms/$ROOM/ingress
-- Same 140-byte chat body every time: run Parley with PARLEY_INGRESS_PER_USER_PER_10S=0 and
-- PARLEY_INGRESS_PER_IP_PER_10S=0, or the per-user and per-IP limits are what gets measured.
wrk.method = "POST"
wrk.body = '{"type":"chat","payload":{"text":"Hello from my bot!","displayName":"StreamBot","userId":"bot-123","source":"twitch"},"meta":{"n":1}}'
wrk.headers["Authorization"] = "Bearer " .. (os.getenv("PARLEY_API_KEY") or "")
wrk.headers["Content-Type"] = "application/json"

-- wrk prints "Non-2xx or 3xx responses: N" when any answer is not a 202.
