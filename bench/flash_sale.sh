#!/usr/bin/env bash
# The flash-sale bench suite, in one run on loopback: coupond against Redis (a Lua GET-check-SET,
# the usual alternative) and against the machine's HTTP ceiling (nginx answering a constant),
# side by side, same client, same connections, same codes; then the admin-interference run
# (bench/admin_interference.sh) and the in-process figures of coupond-bench. Writes a table and a
# plot into docs/benchmarks.md and docs/flash-sale.png (between the "flash-sale-bench" markers),
# and the data plane's scorecard (between the "fast-path-scorecard" markers), every figure of it
# from this run. The results are kept in build-release/flash-sale-results for bench/run.sh.
#
#   bench/flash_sale.sh                # about 7 minutes
#   bench/flash_sale.sh --no-docs      # print the table only
#   COUPOND_BENCH_SECONDS=3 COUPOND_BENCH_CODES=200000 bench/flash_sale.sh --no-docs   # a quick look
#   (COUPOND_BENCH_COUPONS: the in-process table, 10M; COUPOND_BENCH_ADMIN_CODES: the import's and
#   the generate's codes in the admin-interference run, 1M)
#
# Targets:     coupond with the default threads (one I/O thread per core), then --threads 1,
#              which the scorecard, the half-peak p99 and the wrk runs use: on this 2-core machine
#              the client needs the other core, as it does beside nginx's one worker and Redis's
#              one thread; --durability group (every 200 on disk before it is sent)
#              redis-server, appendfsync everysec (up to a second of acknowledged redemptions
#              lost on power failure), then appendfsync always (each write synced)
# Runs:        the scenarios of bench/scenarios, a uniform redeem-only peak (and the same on a
#              batch with a cap and a budget), a hot-code storm
#              (1,000 connections, 100 Zipf codes) and its uniform reference, the brute-force
#              attack's reference without guesses, p99 at half of coupond's peak (open loop), and
#              wrk against coupond and nginx with one request script for both.
# CPU:         the server process's user + system time around each run (/proc/PID/stat; nginx's
#              worker, not its master), divided by the requests the run completed.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
write_docs=1
[[ ${1:-} == --no-docs ]] && write_docs=0
seconds=${COUPOND_BENCH_SECONDS:-8}
codes_count=${COUPOND_BENCH_CODES:-1000000}

# shellcheck source=bench/lib.sh
source bench/lib.sh
COUPOND_EXTRA_PACKAGES="nginx wrk gnuplot-nox" build_release coupond couponctl coupon-load \
  coupond-bench
bin=$root/build-release
work=$(mktemp -d "${TMPDIR:-/tmp}/coupond-flash-sale-XXXXXX")
results=$work/results
mkdir -p "$results"
redis_pid=
nginx_pid=
cleanup() {
  cleanup_server
  [[ -n $redis_pid ]] && kill -KILL "$redis_pid" 2>/dev/null
  [[ -n $nginx_pid ]] && kill -KILL "$nginx_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

# The runs, each on codes of its own: NAME, coupon-load flags and, for coupond, fields added to
# the batch's definition. redeem-peak-limited is redeem-peak on a batch with a cap and a budget
# (set so that neither refuses a use): what deciding by them costs. Redis runs the others only.
runs=(
  "redeem-peak|--connections 50 --redeem-share 1"
  "redeem-peak-limited|--connections 50 --redeem-share 1|\"max_uses_total\": $codes_count, \"budget\": {\"discount_max\": $((codes_count * 500))}"
  "flash-sale-midnight|--scenario bench/scenarios/flash-sale-midnight.json"
  "steady-checkout|--scenario bench/scenarios/steady-checkout.json"
  "brute-force-attack|--scenario bench/scenarios/brute-force-attack.json"
  "no-attack|--scenario bench/scenarios/brute-force-attack.json --redeem-share 0.8"
  "hot-storm|--connections 1000 --redeem-share 1 --zipf 1.1 --hot-codes 100"
  "uniform-1000|--connections 1000 --redeem-share 1"
)

# The scorecard's in-process figures (coupond-bench, bench/scorecard.py reads them).
scorecard_benchmarks='^(BM_DataPlaneValidate|BM_DataPlaneRedeem.*|BM_ValidateHit|BM_HmacRandomReadReference)$'

# Stores a run's codes in Redis as coupon-load --redis-store-codes would (SET c:CODE 1, pipelined),
# but before the run, so that the CPU time measured around the run is the redemptions' alone.
store_codes_in_redis() {
  LC_ALL=C awk '{ key = "c:" $1; printf "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$1\r\n1\r\n", length(key), key }' \
    "$1" | redis-cli -p "$redis_port" --pipe > "$work/redis-pipe.log"
  grep -q 'errors: 0' "$work/redis-pipe.log" || { cat "$work/redis-pipe.log" >&2; exit 1; }
}

keys=$work/keys
run_coupond() {
  local label=$1
  shift
  echo "== coupond $label"
  start_server "$work/coupond-$label" --keys "$keys" --snapshot-interval 0 "$@"
  cpu_pid=$server_pid
  local i=0
  local name flags fields
  for run in "${runs[@]}"; do
    IFS='|' read -r name flags fields <<< "$run"
    i=$((i + 1))
    # The same batches in the same order on every server with the same keys: the same codes.
    create_batch "run$i" "$codes_count" "$work/codes-$name.csv" "$fields"
    # shellcheck disable=SC2086
    load "coupond-$label-$name" "http://$data" "$work/codes-$name.csv" $flags
  done
}

run_coupond default
stop_server
run_coupond threads-1 --threads 1
# p99 at half of this server's redeem peak, open loop, on fresh codes.
peak=$(python3 -c 'import json,sys; print(int(json.load(open(sys.argv[1]))["requests_per_second"]))' \
  "$results/coupond-threads-1-redeem-peak.json")
create_batch half "$codes_count" "$work/codes-half.csv"
load "coupond-threads-1-half-peak" "http://$data" "$work/codes-half.csv" --connections 50 \
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
# The worker answers; the master only watches it.
nginx_worker=$(ps -o pid= --ppid "$nginx_pid" | head -1 | tr -d ' ')
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
  for target in "coupond|http://$data|$server_pid" "nginx|http://127.0.0.1:$nginx_port|$nginx_worker"; do
    IFS='|' read -r name url pid <<< "$target"
    record_cpu "$pid" "$results/wrk-$name-$script.cpu" \
      wrk -t1 -c50 -d"${seconds}s" --latency -s "$work/$script.lua" "$url" \
      > "$results/wrk-$name-$script.txt"
    echo "   wrk $script $name: $(grep 'Requests/sec' "$results/wrk-$name-$script.txt")"
  done
done
cpu_pid=
stop_server
kill -TERM "$nginx_pid"; wait "$nginx_pid" 2>/dev/null || true; nginx_pid=

for fsync in everysec always; do
  echo "== redis-server, appendfsync $fsync"
  redis_port=$(free_port)
  mkdir -p "$work/redis-$fsync"
  redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly yes \
    --appendfsync "$fsync" --dir "$work/redis-$fsync" > "$work/redis-$fsync.log" 2>&1 &
  redis_pid=$!
  cpu_pid=$redis_pid
  for _ in $(seq 1 100); do redis-cli -p "$redis_port" ping > /dev/null 2>&1 && break; sleep 0.05; done
  for run in "${runs[@]}"; do
    IFS='|' read -r name flags fields <<< "$run"
    [[ -n $fields ]] && continue
    store_codes_in_redis "$work/codes-$name.csv"
    # shellcheck disable=SC2086
    load "redis-$fsync-$name" "redis://127.0.0.1:$redis_port" "$work/codes-$name.csv" $flags
  done
  cpu_pid=
  kill -TERM "$redis_pid"; wait "$redis_pid" 2>/dev/null || true; redis_pid=
done

echo "== admin interference: redemption p99 while an import and a generate run"
bench/admin_interference.sh --json "$results/admin-interference.json"

echo "== in-process: allocations per data-plane request, validate at ${COUPOND_BENCH_COUPONS:-10000000} coupons"
"$bin/bench/coupond-bench" --benchmark_filter="$scorecard_benchmarks" \
  --benchmark_repetitions=3 --benchmark_report_aggregates_only=true \
  --benchmark_out="$results/microbench.json" --benchmark_out_format=json |
  grep -E '^BM_.*median' || true

rm -rf "$bin/flash-sale-results"
cp -r "$results" "$bin/flash-sale-results"

# The command as run, with the sizes that were changed from their defaults.
run_command=bench/flash_sale.sh
for size in COUPOND_BENCH_ADMIN_CODES COUPOND_BENCH_COUPONS COUPOND_BENCH_CODES COUPOND_BENCH_SECONDS; do
  if [[ -n ${!size:-} ]]; then run_command="$size=${!size} $run_command"; fi
done
python3 bench/flash_sale_report.py "$results" "$seconds" "$codes_count" \
  "$( ((write_docs)) && echo docs || echo -)" "$run_command"
