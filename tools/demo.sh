#!/usr/bin/env bash
# The main job: installs what is missing, builds coupond, couponctl and coupon-load in Release,
# starts coupond on loopback with a fresh data directory, creates a Double 11 demo batch with
# couponctl, generates codes, runs a 10-second coupon-load flash sale against it, prints the
# results and the campaign's stats, and stops the server.
#
#   tools/demo.sh [--codes N] [--duration S] [--connections C]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

codes=100000
duration=10
connections=50
while (($# > 0)); do
  case $1 in
    --codes) codes=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    *) echo "usage: tools/demo.sh [--codes N] [--duration S] [--connections C]" >&2; exit 2 ;;
  esac
done

tools/setup.sh build-release -DCMAKE_BUILD_TYPE=Release -DCOUPOND_BUILD_TESTS=OFF \
  -DCOUPOND_BUILD_BENCH=OFF -DCOUPOND_FAULT_POINTS=OFF \
  --target coupond --target couponctl --target coupon-load
bin=build-release
work=$(mktemp -d "${TMPDIR:-/tmp}/coupond-demo-XXXXXX")
server_pid=
cleanup() {
  if [[ -n $server_pid ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid"
    wait "$server_pid" || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

echo "== starting coupond on loopback (data in $work/data)"
# One loader plays every shopper from one address: no per-client limit on its forged codes.
"$bin/coupond" --data-dir "$work/data" --listen 127.0.0.1:0 --admin-listen 127.0.0.1:0 \
  --max-bad-codes-per-client 0 \
  > "$work/ports" 2> "$work/coupond.log" &
server_pid=$!
for _ in $(seq 1 100); do
  [[ $(grep -c '^listening on' "$work/ports" 2>/dev/null) -ge 2 ]] && break
  sleep 0.1
done
data_address=$(sed -n 1p "$work/ports" | sed 's/^listening on //')
admin_address=$(sed -n 2p "$work/ports" | sed 's/^listening on //')
[[ -n $admin_address ]] || { cat "$work/coupond.log" >&2; echo "coupond did not start" >&2; exit 1; }
echo "   data plane http://$data_address, admin port http://$admin_address"

ctl=("$bin/couponctl" --admin "http://$admin_address" --token-file "$work/data/admin-token")
from=$(date -u -d '-1 hour' +%Y-%m-%dT%H:%M:%SZ)
until=$(date -u -d '+1 day' +%Y-%m-%dT%H:%M:%SZ)
cat > "$work/batch.json" <<JSON
{"id": "d11-100-20", "name": "Double 11: 20 off 100",
 "discount": {"type": "threshold", "min_amount": 10000, "amount": 2000},
 "valid_from": "$from", "valid_until": "$until",
 "max_uses_per_code": 1, "scope": {"channels": ["app", "store"]}, "code": {"prefix": "D11"}}
JSON
echo "== creating the demo batch"
"${ctl[@]}" batch create "$work/batch.json"
echo "== generating $codes codes"
"${ctl[@]}" generate d11-100-20 --count "$codes" > "$work/codes.csv"
head -3 "$work/codes.csv" | sed 's/^/   /'
echo "== flash sale: $duration s, $connections connections, half redeem, 5% forged codes"
"$bin/coupon-load" --target "http://$data_address" --codes "$work/codes.csv" \
  --duration "$duration" --connections "$connections" --redeem-share 0.5 --forged-share 0.05
echo "== campaign stats"
"${ctl[@]}" stats d11-100-20
echo "== stopping coupond"
kill -TERM "$server_pid"
wait "$server_pid"
server_pid=
tail -2 "$work/coupond.log"
