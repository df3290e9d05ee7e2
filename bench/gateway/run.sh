#!/usr/bin/env bash
# Throughput of a proxied GET through one gateway process: wrk, 32 connections, loopback only.
# Usage: bench/gateway/run.sh [seconds] [connections]
# AUTH=1 sends a valid bearer token to a protected route (GET /orders/o1) instead of the
# public GET /products/p1.
set -euo pipefail
cd "$(dirname "$0")/../.."
SECONDS_TO_RUN="${1:-5}"
CONNECTIONS="${2:-32}"
UPSTREAM_PORT="${UPSTREAM_PORT:-39102}"
GATEWAY_PORT="${GATEWAY_PORT:-39100}"

# The interpreter itself (not a `uv run` wrapper), so the trap's kill reaches the servers.
PY="$(uv run python -c 'import sys; print(sys.executable)')"
export JWT_SECRET="bench-jwt-secret-0123456789abcdef0123456789"
URL_PATH=/products/p1
AUTH_HEADER=()
if [[ "${AUTH:-0}" == 1 ]]; then
  URL_PATH=/orders/o1
  TOKEN="$("$PY" -c 'import os; from shop.common.tokens import Principal, issue_access_token as t
print(t(Principal("u1", "u1@example.com", "user"), secret=os.environ["JWT_SECRET"]))')"
  AUTH_HEADER=(-H "Authorization: Bearer $TOKEN")
fi
"$PY" bench/gateway/upstream.py "$UPSTREAM_PORT" &
upstream=$!
GATEWAY_PORT="$GATEWAY_PORT" GATEWAY_HOST=127.0.0.1 \
  USER_SERVICE_URL="http://127.0.0.1:$UPSTREAM_PORT" \
  PRODUCT_SERVICE_URL="http://127.0.0.1:$UPSTREAM_PORT" \
  ORDER_SERVICE_URL="http://127.0.0.1:$UPSTREAM_PORT" \
  RATE_LIMIT_DEFAULT="100000000/minute" RATE_LIMIT_AUTH="100000000/minute" \
  REDIS_URL="" LOG_LEVEL="${LOG_LEVEL:-INFO}" \
  "$PY" -m shop.gateway >/dev/null &
gateway=$!
trap 'kill "$gateway" "$upstream" 2>/dev/null; wait 2>/dev/null' EXIT

for _ in $(seq 1 100); do
  curl -fs "http://127.0.0.1:$GATEWAY_PORT/health" >/dev/null && break
  sleep 0.1
done
URL="http://127.0.0.1:$GATEWAY_PORT$URL_PATH"
curl -fs "${AUTH_HEADER[@]}" "$URL" >/dev/null
wrk -t2 -c"$CONNECTIONS" -d1s "${AUTH_HEADER[@]}" "$URL" >/dev/null  # warm-up
cpu_ticks() { awk '{print $14 + $15}' "/proc/$gateway/stat"; }
before=$(cpu_ticks)
wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_TO_RUN}s" --latency "${AUTH_HEADER[@]}" "$URL" | tee /tmp/gateway-wrk.$$
after=$(cpu_ticks)
# CPU the gateway used per request: the one-core capacity, whatever else shares the machine.
requests=$(awk '/requests in/ {print $1}' /tmp/gateway-wrk.$$)
rm -f /tmp/gateway-wrk.$$
awk -v t=$((after - before)) -v hz="$(getconf CLK_TCK)" -v n="$requests" \
  'BEGIN { us = t / hz / n * 1e6; printf "gateway CPU: %.0f us/request => %.0f req/s per core\n", us, 1e6 / us }'

