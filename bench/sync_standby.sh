#!/usr/bin/env bash
# The cost of a synchronous standby, measured on this machine in one run, loopback only, and
# written into docs/benchmarks.md (between the "sync-standby-bench" markers): redeem throughput of
# a primary with --sync-standby and a standby following it, against the same primary alone
# (--durability group, no standby), 50 connections, closed loop, redemptions only. Both servers
# and the load generator share the machine, so the standby's fdatasync and CPU are paid here too.
#
#   bench/sync_standby.sh              # about a minute after the build
#   bench/sync_standby.sh --no-docs    # print the table only
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
write_docs=1
[[ ${1:-} == --no-docs ]] && write_docs=0
seconds=${COUPOND_BENCH_SECONDS:-10}
codes=${COUPOND_BENCH_CODES:-1000000}

# shellcheck source=bench/lib.sh
source bench/lib.sh
build_release coupond couponctl coupon-load
bin=$root/build-release
work=$(mktemp -d "${TMPDIR:-/tmp}/coupond-sync-standby-XXXXXX")
results=$work
server_pid=
standby_pid=
cleanup() {
  cleanup_server
  if [[ -n $standby_pid ]] && kill -0 "$standby_pid" 2>/dev/null; then kill -KILL "$standby_pid"; fi
  rm -rf "$work"
}
trap cleanup EXIT

# redeem NAME: 50 connections redeeming for $seconds seconds.
redeem() {
  load "$1" "http://$data" "$work/$1.csv" --connections 50 --redeem-share 1
}

# cluster_field FIELD: a field of the primary's GET /admin/v1/cluster.
cluster() {
  curl -s -H "Authorization: Bearer $(cat "$1/admin-token")" "http://$admin/admin/v1/cluster"
}

echo "== 1. a primary alone (--durability group)"
start_server "$work/alone"
create_batch bench "$codes" "$work/alone.csv"
redeem alone
stop_server

echo "== 2. a primary with --sync-standby and a standby following it"
port=$(free_port)
start_server "$work/primary" --node primary --replication-listen "127.0.0.1:$port" --sync-standby
mkdir -p "$work/standby"
cp "$work/primary/keys" "$work/primary/admin-token" "$work/standby/"
"$bin/coupond" --data-dir "$work/standby" --listen 127.0.0.1:0 --admin-listen 127.0.0.1:0 \
  --node standby --follow "127.0.0.1:$port" > "$work/standby-ports" 2>> "$work/standby.log" &
standby_pid=$!
for _ in $(seq 1 1000); do
  cluster "$work/primary" | grep -q '"node":"standby"' && break
  sleep 0.02
done
cluster "$work/primary" | grep -q '"node":"standby"' || { tail -5 "$work/standby.log" >&2; exit 1; }
create_batch bench "$codes" "$work/sync.csv"
redeem sync
cluster "$work/primary" > "$work/cluster.json"
stop_server
kill -TERM "$standby_pid"
wait "$standby_pid" || true
standby_pid=

python3 - "$work" "$( ((write_docs)) && echo docs/benchmarks.md || echo -)" \
  "bench/sync_standby.sh" "$seconds" <<'PY'
import datetime, json, pathlib, sys
sys.path.insert(0, "bench")
from report_common import cpu_name, write_block

work, docs, command, seconds = pathlib.Path(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
alone = json.loads((work / "alone.json").read_text())
sync = json.loads((work / "sync.json").read_text())
cluster = json.loads((work / "cluster.json").read_text())
ratio = sync["requests_per_second"] / alone["requests_per_second"]
now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
lag = ", ".join(f'{s["node"]} {s["lag_records"]}' for s in cluster["standbys"]) or "none connected"
rows = [
    f"Measured {now} on {cpu_name()}, 2 cores, by `{command}` (primary, standby and coupon-load "
    f"on the same machine, loopback; 50 keep-alive connections, closed loop, redemptions only, "
    f"{seconds} s each).",
    "",
    "| figure | value | ratio | target | |",
    "|---|---|---|---|---|",
    f'| redeem, primary alone (`--durability group`) | {alone["requests_per_second"]:,.0f}/s, '
    f'p99 {alone["latency_ms"]["p99"]:.2f} ms | 1.00x | | |',
    f'| redeem, `--sync-standby` with a standby | {sync["requests_per_second"]:,.0f}/s, '
    f'p99 {sync["latency_ms"]["p99"]:.2f} ms | {ratio:.2f}x | >= 0.7x | '
    f'{"met" if ratio >= 0.7 else "not met"} |',
    f"| standby lag at the end (records) | {lag} | | | |",
]
text = "\n".join(rows)
print(text)
if docs != "-":
    write_block(docs, "sync-standby-bench", "Synchronous standby", text)
PY
