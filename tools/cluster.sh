#!/usr/bin/env bash
# A whole cluster on one machine, to see routing, the election and replication at work together:
# one etcd, two partitions (P1, P2) of a primary and a standby each, and HAProxy routing by code
# with the configuration couponctl writes. Creates a batch on each partition through its primary,
# generates codes, runs a short flash sale through HAProxy with coupon-load, prints each
# partition's redemptions from its primary's stats, and stops everything it started.
#
#   tools/cluster.sh [--build DIR] [--duration S] [--codes N] [--dir DIR]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

usage() {
  cat <<'TEXT'
usage: tools/cluster.sh [--build DIR] [--duration S] [--codes N] [--dir DIR]

Starts etcd, HAProxy and four coupond nodes on loopback (partitions P1 and P2, nodes n1 and n2
each), runs a flash sale through HAProxy and prints what each partition redeemed.

  --build DIR     where coupond, couponctl and coupon-load were built (default: build)
  --duration S    seconds of flash sale (default: 10)
  --codes N       codes generated per partition (default: 10000)
  --dir DIR       keep the data directories and logs here (default: a temporary directory,
                  removed at the end)
  --help          this text

Needs /usr/bin/etcd (etcd-server) and /usr/sbin/haproxy (haproxy).
TEXT
}

build=build
duration=10
codes=10000
keep_dir=
while (($# > 0)); do
  case $1 in
    --build) build=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --codes) codes=$2; shift 2 ;;
    --dir) keep_dir=$2; shift 2 ;;
    --help|-h) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
  esac
done
[[ $build = /* ]] || build=$root/$build
for binary in "$build/coupond" "$build/couponctl" "$build/coupon-load"; do
  [[ -x $binary ]] || { echo "cluster.sh: $binary is missing: build it first (--build DIR)" >&2; exit 1; }
done
for binary in /usr/bin/etcd /usr/sbin/haproxy; do
  [[ -x $binary ]] || { echo "cluster.sh: $binary is missing (tools/setup.sh installs it)" >&2; exit 1; }
done
coupond=$build/coupond
couponctl=$build/couponctl
coupon_load=$build/coupon-load

if [[ -n $keep_dir ]]; then
  mkdir -p "$keep_dir"
  work=$(cd "$keep_dir" && pwd)
else
  work=$(mktemp -d "${TMPDIR:-/tmp}/coupond-cluster-XXXXXX")
fi
started=()
cleanup() {
  local pid
  for pid in "${started[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${started[@]}"; do wait "$pid" 2>/dev/null || true; done
  [[ -n $keep_dir ]] || rm -rf "$work"
}
trap cleanup EXIT

# A loopback port free now, for the peers that cannot take port 0 (etcd, HAProxy, replication).
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

echo "== etcd"
etcd_port=$(free_port)
etcd_peer=$(free_port)
etcd=http://127.0.0.1:$etcd_port
/usr/bin/etcd --data-dir "$work/etcd" --listen-client-urls "$etcd" --advertise-client-urls "$etcd" \
  --listen-peer-urls "http://127.0.0.1:$etcd_peer" \
  --initial-advertise-peer-urls "http://127.0.0.1:$etcd_peer" \
  --initial-cluster "default=http://127.0.0.1:$etcd_peer" > "$work/etcd.log" 2>&1 &
started+=($!)
for _ in $(seq 1 100); do
  curl -fsS "$etcd/health" > /dev/null 2>&1 && break
  sleep 0.1
done
curl -fsS "$etcd/health" > /dev/null || { cat "$work/etcd.log" >&2; echo "etcd did not start" >&2; exit 1; }
echo "   $etcd"

declare -A data_address admin_address
# start_node PARTITION NODE: coupond on loopback, its data in $work/PARTITION-NODE.
start_node() {
  local name=$1-$2 dir=$work/$1-$2
  mkdir -p "$dir"
  "$coupond" --data-dir "$dir" --listen 127.0.0.1:0 --admin-listen 127.0.0.1:0 \
    --etcd "$etcd" --partition "$1" --node "$2" --lease-ttl 2 \
    --replication-listen "127.0.0.1:$(free_port)" --sync-standby \
    --max-bad-codes-per-client 0 > "$work/$name.ports" 2> "$work/$name.log" &
  started+=($!)
  for _ in $(seq 1 100); do
    [[ $(grep -c '^listening on' "$work/$name.ports" 2>/dev/null) -ge 2 ]] && break
    sleep 0.1
  done
  data_address[$name]=$(sed -n 1p "$work/$name.ports" | sed 's/^listening on //')
  admin_address[$name]=$(sed -n 2p "$work/$name.ports" | sed 's/^listening on //')
  [[ -n ${admin_address[$name]} ]] || { cat "$work/$name.log" >&2; echo "$name did not start" >&2; exit 1; }
  echo "   $name: data plane http://${data_address[$name]}, admin http://${admin_address[$name]}"
}
# role_of PARTITION NODE: the node's /v1/role status (200 for the primary).
role_of() {
  curl -s -o /dev/null -w '%{http_code}' "http://${data_address[$1-$2]}/v1/role" || true
}

partitions=(P1 P2)
declare -A primary
from=$(date -u -d '-1 hour' +%Y-%m-%dT%H:%M:%SZ)
until=$(date -u -d '+1 day' +%Y-%m-%dT%H:%M:%SZ)
: > "$work/codes.csv"
for partition in "${partitions[@]}"; do
  echo "== partition $partition"
  # n1 first: it makes the key file and admin token, which n2 must share (a copy, as an operator
  # would make), and becomes primary.
  start_node "$partition" n1
  for _ in $(seq 1 100); do
    [[ $(role_of "$partition" n1) = 200 ]] && break
    sleep 0.1
  done
  [[ $(role_of "$partition" n1) = 200 ]] || { echo "$partition-n1 never became primary" >&2; exit 1; }
  mkdir -p "$work/$partition-n2"
  cp "$work/$partition-n1/keys" "$work/$partition-n1/admin-token" "$work/$partition-n2/"
  start_node "$partition" n2
  primary[$partition]=$partition-n1
  ctl=("$couponctl" --admin "http://${admin_address[$partition-n1]}"
       --token-file "$work/$partition-n1/admin-token")
  cat > "$work/$partition-batch.json" <<JSON
{"id": "d11", "name": "Double 11 on $partition: 20 off 100",
 "discount": {"type": "threshold", "min_amount": 10000, "amount": 2000},
 "valid_from": "$from", "valid_until": "$until",
 "max_uses_per_code": 1, "code": {"prefix": "D11"}}
JSON
  "${ctl[@]}" batch create "$work/$partition-batch.json" > /dev/null
  "${ctl[@]}" generate d11 --count "$codes" > "$work/$partition-codes.csv"
  echo "   batch d11 with $codes codes, e.g. $(head -1 "$work/$partition-codes.csv")"
  cat "$work/$partition-codes.csv" >> "$work/codes.csv"
done

echo "== HAProxy"
router=127.0.0.1:$(free_port)
router_partitions=()
for partition in "${partitions[@]}"; do
  router_partitions+=(--partition "$partition=${data_address[$partition-n1]},${data_address[$partition-n2]}")
done
"$couponctl" cluster haproxy-config "${router_partitions[@]}" --bind "$router" > "$work/haproxy.cfg"
/usr/sbin/haproxy -c -q -f "$work/haproxy.cfg"
/usr/sbin/haproxy -db -q -f "$work/haproxy.cfg" > "$work/haproxy.log" 2>&1 &
started+=($!)
# Ready once it routes a code of each partition to its primary.
for partition in "${partitions[@]}"; do
  code=$(head -1 "$work/$partition-codes.csv")
  for _ in $(seq 1 100); do
    [[ $(curl -s -o /dev/null -w '%{http_code}' -d "{\"code\": \"$code\"}" "http://$router/v1/validate") = 200 ]] && break
    sleep 0.1
  done
done
# HAProxy counts a node up until its checks say otherwise: two failed checks 500 ms apart take the
# standbys out (before that, a redemption sent to one is answered 503 not_primary).
sleep 1.5
echo "   http://$router routes P1... and P2... codes to their primaries"

echo "== flash sale through HAProxy: $duration s, half redeem"
"$coupon_load" --target "http://$router" --codes "$work/codes.csv" --duration "$duration" \
  --connections 20 --redeem-share 0.5

echo "== redemptions per partition (each primary's stats)"
for partition in "${partitions[@]}"; do
  echo "-- $partition (${primary[$partition]})"
  "$couponctl" --admin "http://${admin_address[${primary[$partition]}]}" \
    --token-file "$work/$partition-n1/admin-token" stats d11 |
    grep -E '^(issued|redeemed|discount_total) ' | sed 's/^/   /'
done
echo "== stopping"
