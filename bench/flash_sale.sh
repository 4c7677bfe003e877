#!/usr/bin/env bash
# The flash-sale bench suite, in one run on loopback: coupond against Redis (a Lua GET-check-SET,
# the usual alternative) and against the machine's HTTP ceiling (nginx answering a constant),
# side by side, same client, same connections, same codes. Writes a table and a plot into
# docs/benchmarks.md and docs/flash-sale.png (between the "flash-sale-bench" markers).
#
#   bench/flash_sale.sh                # about 10 minutes
#   bench/flash_sale.sh --no-docs      # print the table only
#   COUPOND_BENCH_SECONDS=3 COUPOND_BENCH_CODES=200000 bench/flash_sale.sh --no-docs   # a quick look
#
# Targets:     coupond --threads 1, then the default (one per core); --durability group (every
#              200 on disk before it is sent)
#              redis-server, appendfsync everysec (up to a second of acknowledged redemptions
#              lost on power failure), then appendfsync always (each write synced)
# Runs:        the scenarios of bench/scenarios, a uniform redeem-only peak, a hot-code storm
#              (1,000 connections, 100 Zipf codes) and its uniform reference, the brute-force
#              attack's reference without guesses, p99 at half of coupond's peak (open loop), and
#              wrk against coupond and nginx with one request script for both.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
write_docs=1
[[ ${1:-} == --no-docs ]] && write_docs=0
seconds=${COUPOND_BENCH_SECONDS:-8}
codes_count=${COUPOND_BENCH_CODES:-1000000}

COUPOND_EXTRA_PACKAGES="nginx wrk gnuplot-nox" tools/setup.sh build-release \
  -DCMAKE_BUILD_TYPE=Release -DCOUPOND_BUILD_TESTS=OFF -DCOUPOND_BUILD_BENCH=OFF \
  -DCOUPOND_FAULT_POINTS=OFF --target coupond --target couponctl --target coupon-load
bin=$root/build-release
work=$(mktemp -d "${TMPDIR:-/tmp}/coupond-flash-sale-XXXXXX")
results=$work/results
mkdir -p "$results"
# shellcheck source=bench/lib.sh
source bench/lib.sh
redis_pid=
nginx_pid=
cleanup() {
  cleanup_server
  [[ -n $redis_pid ]] && kill -KILL "$redis_pid" 2>/dev/null
  [[ -n $nginx_pid ]] && kill -KILL "$nginx_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# load NAME TARGET CODES_FILE [coupon-load flags...]
load() {
  local name=$1 target=$2 codes=$3
  shift 3
  "$bin/coupon-load" --target "$target" --codes "$codes" --duration "$seconds" --quiet \
    --json "$results/$name.json" "$@" > "$results/$name.txt" || true
  python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print("   %-45s %9.0f requests/s  p99 %8.2f ms" % (sys.argv[2], r["requests_per_second"], r["latency_ms"]["p99"]))' \
    "$results/$name.json" "$name"
}

# The runs, each on codes of its own: NAME and coupon-load flags.
runs=(
  "redeem-peak|--connections 50 --redeem-share 1"
  "flash-sale-midnight|--scenario bench/scenarios/flash-sale-midnight.json"
  "steady-checkout|--scenario bench/scenarios/steady-checkout.json"
  "brute-force-attack|--scenario bench/scenarios/brute-force-attack.json"
  "no-attack|--scenario bench/scenarios/brute-force-attack.json --redeem-share 0.8"
  "hot-storm|--connections 1000 --redeem-share 1 --zipf 1.1 --hot-codes 100"
  "uniform-1000|--connections 1000 --redeem-share 1"
)

keys=$work/keys
run_coupond() {
  local label=$1
  shift
  echo "== coupond $label"
  start_server "$work/coupond-$label" --keys "$keys" --snapshot-interval 0 "$@"
  local i=0
  for run in "${runs[@]}"; do
    local name=${run%%|*} flags=${run#*|}
    i=$((i + 1))
    # The same batches in the same order on every server with the same keys: the same codes.
    create_batch "run$i" "$codes_count" "$work/codes-$name.csv"
    # shellcheck disable=SC2086
    load "coupond-$label-$name" "http://$data" "$work/codes-$name.csv" $flags
  done
}

run_coupond threads-1 --threads 1
stop_server
run_coupond default
# p99 at half of this server's redeem peak, open loop, on fresh codes.
peak=$(python3 -c 'import json,sys; print(int(json.load(open(sys.argv[1]))["requests_per_second"]))' \
  "$results/coupond-default-redeem-peak.json")
create_batch half "$codes_count" "$work/codes-half.csv"
load "coupond-default-half-peak" "http://$data" "$work/codes-half.csv" --connections 50 \
  --redeem-share 1 --rate $((peak / 2)) --ramp 1

echo "== wrk: coupond and nginx, one request script each for both"
create_batch wrk "$codes_count" "$work/codes-wrk.csv"
nginx_port=$(free_port)
mkdir -p "$work/nginx"
cat > "$work/nginx/nginx.conf" <<NGINX
worker_processes 1;
daemon off;
error_log stderr;
pid $work/nginx/nginx.pid;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $work/nginx;
  server { listen 127.0.0.1:$nginx_port; location / { return 200 '{"valid":true}'; } }
}
NGINX
nginx -c "$work/nginx/nginx.conf" -p "$work/nginx" 2> "$work/nginx.log" &
nginx_pid=$!
sleep 0.5
first_code=$(head -1 "$work/codes-wrk.csv")
cat > "$work/validate.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"code":"$first_code","order":{"amount":12900,"channel":"app"}}'
wrk.path = "/v1/validate"
LUA
cat > "$work/redeem.lua" <<LUA
-- Each request redeems the next code of the file under a new order id.
local codes, next_code = {}, 0
for line in io.lines("$work/codes-wrk.csv") do codes[#codes + 1] = line end
request = function()
  next_code = next_code + 1
  local code = codes[(next_code - 1) % #codes + 1]
  local body = '{"code":"' .. code .. '","order_id":"wrk-' .. next_code .. '","order":{"amount":12900,"channel":"app"}}'
  return wrk.format("POST", "/v1/redeem", {["Content-Type"] = "application/json"}, body)
end
LUA
for script in validate redeem; do
  for target in "coupond|http://$data" "nginx|http://127.0.0.1:$nginx_port"; do
    wrk -t1 -c50 -d"${seconds}s" --latency -s "$work/$script.lua" "${target#*|}" \
      > "$results/wrk-${target%%|*}-$script.txt"
    echo "   wrk $script ${target%%|*}: $(grep 'Requests/sec' "$results/wrk-${target%%|*}-$script.txt")"
  done
done
stop_server
kill -TERM "$nginx_pid"; wait "$nginx_pid" 2>/dev/null || true; nginx_pid=

for fsync in everysec always; do
  echo "== redis-server, appendfsync $fsync"
  redis_port=$(free_port)
  mkdir -p "$work/redis-$fsync"
  redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly yes \
    --appendfsync "$fsync" --dir "$work/redis-$fsync" > "$work/redis-$fsync.log" 2>&1 &
  redis_pid=$!
  for _ in $(seq 1 100); do redis-cli -p "$redis_port" ping > /dev/null 2>&1 && break; sleep 0.05; done
  for run in "${runs[@]}"; do
    name=${run%%|*} flags=${run#*|}
    # shellcheck disable=SC2086
    load "redis-$fsync-$name" "redis://127.0.0.1:$redis_port" "$work/codes-$name.csv" \
      --redis-store-codes $flags
  done
  kill -TERM "$redis_pid"; wait "$redis_pid" 2>/dev/null || true; redis_pid=
done

python3 bench/flash_sale_report.py "$results" "$seconds" "$codes_count" \
  "$( ((write_docs)) && echo docs || echo -)" \
  "bench/flash_sale.sh${COUPOND_BENCH_SECONDS:+ (COUPOND_BENCH_SECONDS=$seconds)}"
