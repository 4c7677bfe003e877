#!/usr/bin/env bash
# Scale: COUPOND_BENCH_COUPONS single-use coupons (default 100,000,000) loaded into one coupond on
# this machine; records the load time, the final snapshot, the start-up time from it and resident
# memory per coupon into docs/benchmarks.md (between the "scale-bench" markers). Needs about
# 6 GB of memory and 6 GB of disk per 100M coupons; about 5 minutes.
#
#   bench/scale.sh
#   COUPOND_BENCH_COUPONS=20000000 bench/scale.sh --no-docs
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
write_docs=1
[[ ${1:-} == --no-docs ]] && write_docs=0
coupons=${COUPOND_BENCH_COUPONS:-100000000}
chunk=10000000  # the most one generate call makes

# shellcheck source=bench/lib.sh
source bench/lib.sh
build_release coupond couponctl
bin=$root/build-release
work=$(mktemp -d "${TMPDIR:-/tmp}/coupond-scale-XXXXXX")
trap 'cleanup_server; rm -rf "$work"' EXIT

rss_kib() { awk '/VmRSS/ {print $2}' "/proc/$server_pid/status"; }

start_server "$work/data" --snapshot-interval 0
create_batch scale 1 /dev/null
begin=$(date +%s%N)
left=$coupons
while ((left > 0)); do
  count=$((left < chunk ? left : chunk))
  "${ctl[@]}" generate scale --count "$count" > /dev/null
  left=$((left - count))
done
load_ms=$(( ($(date +%s%N) - begin) / 1000000 ))
loaded_rss=$(rss_kib)
echo "== loaded $coupons coupons in $load_ms ms, resident $((loaded_rss / 1024)) MiB"
stop_server TERM
snapshot_line=$(grep 'final snapshot' "$work/coupond.log" | tail -1)
start_server "$work/data" --snapshot-interval 0
start_ms=$started_ms
started_rss=$(rss_kib)
stop_server TERM
echo "== start-up $start_ms ms, resident $((started_rss / 1024)) MiB"

python3 - "$coupons" "$load_ms" "$loaded_rss" "$start_ms" "$started_rss" "$snapshot_line" \
  "$( ((write_docs)) && echo docs/benchmarks.md || echo -)" \
  "bench/scale.sh${COUPOND_BENCH_COUPONS:+ (COUPOND_BENCH_COUPONS=$coupons)}" <<'PYTHON'
import datetime, re, sys
sys.path.insert(0, "bench")
from report_common import cpu_name, write_block
coupons, load_ms, loaded_rss, start_ms, started_rss = (int(v) for v in sys.argv[1:6])
snapshot_line, docs, command = sys.argv[6:9]
snapshot = re.search(r"(\d+) bytes in (\d+) ms", snapshot_line)
now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
rows = [f"Measured {now} on {cpu_name()}, 2 cores, 24 GiB, by `{command}`, one coupond.", "",
        "| figure | value |", "|---|---|",
        f"| coupons loaded (generate, streamed to /dev/null) | {coupons:,} in {load_ms / 1000:.1f} s "
        f"({coupons / load_ms * 1000:,.0f} codes/s) |",
        f"| resident memory after loading | {loaded_rss / 1024:,.0f} MiB, {loaded_rss * 1024 / coupons:.1f} B per coupon |"]
if snapshot:
    rows.append(f"| final snapshot at shutdown | {int(snapshot.group(1)) / 1e9:.2f} GB in "
                f"{int(snapshot.group(2)) / 1000:.1f} s |")
rows += [f"| start-up from that snapshot to listening | {start_ms / 1000:.1f} s |",
         f"| resident memory after start-up | {started_rss / 1024:,.0f} MiB, "
         f"{started_rss * 1024 / coupons:.1f} B per coupon |"]
table = "\n".join(rows)
print(table)
if docs != "-":
    write_block(docs, "scale-bench", "Scale: one hundred million coupons", table)
PYTHON
