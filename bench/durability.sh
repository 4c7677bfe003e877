#!/usr/bin/env bash
# The cost of durability, measured on this machine in one run, loopback only, and written into
# docs/benchmarks.md (between the "durability-bench" markers):
#   1. redeem throughput and latency with --durability none, group and sync, 50 connections;
#   2. start-up time with COUPOND_BENCH_COUPONS coupons (default 10,000,000): from a snapshot
#      after a clean stop, and from a snapshot plus a journal tail after kill -9;
#   3. redeem p99 while snapshots of that table are written, against p99 without.
#
#   bench/durability.sh              # as the targets are stated (about 5 minutes)
#   COUPOND_BENCH_COUPONS=1000000 bench/durability.sh --no-docs   # a quick look
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
write_docs=1
[[ ${1:-} == --no-docs ]] && write_docs=0
coupons=${COUPOND_BENCH_COUPONS:-10000000}
seconds=${COUPOND_BENCH_SECONDS:-5}

# shellcheck source=bench/lib.sh
source bench/lib.sh
build_release coupond couponctl coupon-load
bin=$root/build-release
work=$(mktemp -d "${TMPDIR:-/tmp}/coupond-durability-XXXXXX")
server_pid=
cleanup() {
  cleanup_server
  rm -rf "$work"
}
trap cleanup EXIT

# load NAME [coupon-load flags...]: 50 connections redeeming for $seconds seconds.
load() {
  local name=$1
  shift
  "$bin/coupon-load" --target "http://$data" --codes "$work/codes.csv" --connections 50 \
    --duration "$seconds" --redeem-share 1 --quiet --json "$work/$name.json" "$@" > /dev/null
}

echo "== 1. redeem throughput by durability mode (50 connections, ${seconds}s each)"
for mode in none group sync; do
  start_server "$work/$mode" --durability "$mode"
  create_batch bench 1000000 "$work/codes.csv"
  load "redeem-$mode"
  stop_server
  python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print(f'   {sys.argv[2]:5} {r[\"requests_per_second\"]:9.0f} redeems/s  p99 {r[\"latency_ms\"][\"p99\"]:.2f} ms')" \
    "$work/redeem-$mode.json" "$mode"
done

echo "== 2. start-up with $coupons coupons"
big=$work/big
start_server "$big" --snapshot-interval 0
create_batch bench "$coupons" "$work/codes.csv"
echo "   loaded"
load "redeem-before-snapshot"
# Snapshots of the whole table, one after another, for as long as 50 connections redeem; the p99
# is compared with the run just before, without them.
load "redeem-during-snapshot" --seed 2 &
load_pid=$!
while kill -0 "$load_pid" 2>/dev/null; do
  "${ctl[@]}" --json snapshot >> "$work/snapshots.json"
  echo >> "$work/snapshots.json"
done
wait "$load_pid"
stop_server TERM
start_server "$big" --snapshot-interval 0
clean_start_ms=$started_ms
grep 'recovered' "$work/coupond.log" | tail -1 > "$work/recovered-clean.txt"
load "journal-tail" --seed 3
stop_server KILL
start_server "$big" --snapshot-interval 0
crash_start_ms=$started_ms
grep 'recovered' "$work/coupond.log" | tail -1 > "$work/recovered-crash.txt"
rss_kib=$(awk '/VmRSS/ {print $2}' "/proc/$server_pid/status")
stop_server TERM

python3 bench/durability_report.py "$work" "$coupons" "$clean_start_ms" "$crash_start_ms" \
  "$rss_kib" "$( ((write_docs)) && echo docs/benchmarks.md || echo -)" \
  "bench/durability.sh${COUPOND_BENCH_COUPONS:+ (COUPOND_BENCH_COUPONS=$coupons)}"
