#!/usr/bin/env bash
# What slow clients cost the others, on loopback: coupon-load's throughput against coupond's data
# plane alone, then while slowhttptest holds thousands of slowloris connections open on the same
# port (each sends a header line every few seconds and never ends its head). Prints both figures
# and their ratio; the target is a ratio of at least 0.5. The server runs with its default
# --request-timeout (15 s), so the slow connections are all open while the load runs.
#
#   bench/slowloris.sh                                                    # 4,000 connections, 8 s
#   COUPOND_BENCH_SLOW=1000 COUPOND_BENCH_SECONDS=3 bench/slowloris.sh    # a quick look
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
seconds=${COUPOND_BENCH_SECONDS:-8}
slow=${COUPOND_BENCH_SLOW:-4000}
# Connections opened per second: all of them are open before the load starts.
slow_rate=1000

COUPOND_EXTRA_PACKAGES="slowhttptest" tools/setup.sh build-release \
  -DCMAKE_BUILD_TYPE=Release -DCOUPOND_BUILD_TESTS=OFF -DCOUPOND_BUILD_BENCH=OFF \
  -DCOUPOND_FAULT_POINTS=OFF --target coupond --target couponctl --target coupon-load
bin=$root/build-release
work=$(mktemp -d "${TMPDIR:-/tmp}/coupond-slowloris-XXXXXX")
# shellcheck source=bench/lib.sh
source bench/lib.sh
slow_pid=
cleanup() {
  cleanup_server
  [[ -n $slow_pid ]] && kill -KILL "$slow_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
# A descriptor per slow connection, here and in the server.
ulimit -n "$(ulimit -Hn)"

# load NAME: coupon-load's requests per second over 50 keep-alive connections, validations only
# (the codes are not used up between the two runs).
load() {
  "$bin/coupon-load" --target "http://$data" --codes "$work/codes.csv" --connections 50 \
    --duration "$seconds" --redeem-share 0 --quiet --json "$work/$1.json" > /dev/null
  python3 -c 'import json, sys; print(round(json.load(sys.stdin)["requests_per_second"]))' \
    < "$work/$1.json"
}

# Connections open on the data plane, as coupond counts them.
open_connections() {
  curl -s -H "Authorization: Bearer $(cat "$work/data/admin-token")" "http://$admin/metrics" |
    sed -n 's/^coupond_open_connections{port="data"} //p'
}
# CPU time a process has used, in clock ticks (user + system).
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# cpu_share PID TICKS_BEFORE: the share of one core the process used over the last load.
cpu_share() {
  echo $(( ($(cpu_ticks "$1") - $2) * 100 / ($(getconf CLK_TCK) * seconds) ))
}

start_server "$work/data"
create_batch slowloris 100000 "$work/codes.csv"

before=$(cpu_ticks "$server_pid")
alone=$(load alone)
echo "alone:                       $alone requests/s" \
  "(coupond used $(cpu_share "$server_pid" "$before")% of a core)"

slowhttptest -H -c "$slow" -r "$slow_rate" -i 5 -x 24 -p 3 -l $((seconds + 60)) \
  -u "http://$data/healthz" > "$work/slowhttptest.log" 2>&1 &
slow_pid=$!
# Until every slow connection is open.
for _ in $(seq 1 $((slow / slow_rate * 10 + 100))); do
  [[ $(open_connections) -ge $slow ]] && break
  sleep 0.1
done
echo "slow connections open:       $(open_connections) of $slow"
before=$(cpu_ticks "$server_pid")
slow_before=$(cpu_ticks "$slow_pid")
beside=$(load beside)
echo "beside them:                 $beside requests/s" \
  "(coupond used $(cpu_share "$server_pid" "$before")% of a core," \
  "slowhttptest $(cpu_share "$slow_pid" "$slow_before")%)"
echo "slow connections still open: $(open_connections)"
kill -TERM "$slow_pid" 2>/dev/null || true
wait "$slow_pid" 2>/dev/null || true
slow_pid=
stop_server
awk -v alone="$alone" -v beside="$beside" \
  'BEGIN { printf "ratio (beside / alone):      %.2f\n", beside / alone }'
