#!/usr/bin/env bash
# Whether an operator's loading slows checkouts down: the p99 of redemptions at a fixed open-loop
# rate (half of a quick closed-loop peak, as bench/flash_sale.sh takes its p99), first alone, then
# while `couponctl import` of COUPOND_BENCH_ADMIN_CODES codes (1,000,000) and `couponctl generate`
# of as many run at the same time, on one coupond on loopback. Prints both p99s and their ratio.
#
#   bench/admin_interference.sh                  # about a minute
#   bench/admin_interference.sh --json FILE      # the figures as JSON too (flash_sale.sh's scorecard)
#   COUPOND_BENCH_SECONDS=2 COUPOND_BENCH_CODES=100000 COUPOND_BENCH_ADMIN_CODES=100000 \
#     bench/admin_interference.sh                # a quick look
#
# Each run lasts COUPOND_BENCH_SECONDS (8). The import and the generate are timed once on the idle
# server first; during the second open-loop run they are started again, a new pair as soon as the
# last one ends (each into new batches, the import with codes of its own), until the run is over,
# so that every request of it meets them.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
json_out=-
if [[ ${1:-} == --json ]]; then
  [[ -n ${2:-} ]] || { echo "usage: bench/admin_interference.sh [--json FILE]" >&2; exit 2; }
  json_out=$2
fi
seconds=${COUPOND_BENCH_SECONDS:-8}
codes_count=${COUPOND_BENCH_CODES:-1000000}
admin_codes=${COUPOND_BENCH_ADMIN_CODES:-1000000}

# shellcheck source=bench/lib.sh
source bench/lib.sh
build_release coupond couponctl coupon-load
bin=$root/build-release
work=$(mktemp -d "${TMPDIR:-/tmp}/coupond-admin-interference-XXXXXX")
results=$work
trap 'cleanup_server; rm -rf "$work"' EXIT

# make_import_csv ROUND: codes made elsewhere, one a line, distinct from round to round (imported
# codes are letters and digits, matched as printed).
make_import_csv() {
  python3 -c 'import sys
round_, count = sys.argv[1], int(sys.argv[2])
sys.stdout.write("".join(f"IMP{round_}N{i:09d}\n" for i in range(count)))' \
    "$1" "$admin_codes" > "$work/import-$1.csv"
}

# admin_round ROUND: the import and the generate at the same time, each into a batch of its own;
# checks that each loaded every code and writes how long the two took in $work/admin-ROUND.ms.
admin_round() {
  local round=$1 begin import_pid generate_pid
  define_batch "imported-$round"
  define_batch "generated-$round"
  begin=$(date +%s%N)
  "${ctl[@]}" --json import "imported-$round" "$work/import-$round.csv" > "$work/import-$round.json" &
  import_pid=$!
  "${ctl[@]}" generate "generated-$round" --count "$admin_codes" 2> /dev/null |
    wc -l > "$work/generate-$round.count" &
  generate_pid=$!
  wait "$import_pid"
  wait "$generate_pid"
  echo $(( ($(date +%s%N) - begin) / 1000000 )) > "$work/admin-$round.ms"
  python3 -c 'import json,sys
imported = json.load(open(sys.argv[1]))["imported"]
generated = int(open(sys.argv[2]).read())
if imported != int(sys.argv[3]) or generated != int(sys.argv[3]):
    sys.exit(f"admin_interference: {imported} imported and {generated} generated, not {sys.argv[3]}")' \
    "$work/import-$round.json" "$work/generate-$round.count" "$admin_codes"
}

start_server "$work/data" --snapshot-interval 0 --threads 1
echo "== peak: 50 connections redeeming, closed loop, ${seconds}s"
create_batch peak "$codes_count" "$work/codes-peak.csv"
load peak "http://$data" "$work/codes-peak.csv" --connections 50 --redeem-share 1
peak=$(python3 -c 'import json,sys; print(int(json.load(open(sys.argv[1]))["requests_per_second"]))' \
  "$work/peak.json")
rate=$((peak / 2))

echo "== import and generate of $admin_codes codes each, on the idle server"
make_import_csv 1
admin_round 1
admin_ms=$(cat "$work/admin-1.ms")
echo "   $admin_ms ms"
((admin_ms > 0)) || admin_ms=1
# The import files of the rounds under load, made now rather than while the load runs. The idle
# pace is a poor guide (on an idle server the generate, waiting on journal syncs of its own, has
# been seen to take longer than under load), so four times as many rounds as it says fit, and two;
# at most 24.
last_round=$((2 + 4 * ((seconds * 1000 + admin_ms - 1) / admin_ms) + 1))
((last_round <= 25)) || last_round=25
for round in $(seq 2 "$last_round"); do make_import_csv "$round"; done

echo "== redemptions at $rate/s (half the peak), open loop, ${seconds}s: alone, then with the admin work"
create_batch alone "$codes_count" "$work/codes-alone.csv"
load alone "http://$data" "$work/codes-alone.csv" --connections 50 --redeem-share 1 \
  --rate "$rate" --ramp 1
create_batch during "$codes_count" "$work/codes-during.csv"
load during "http://$data" "$work/codes-during.csv" --connections 50 --redeem-share 1 \
  --rate "$rate" --ramp 1 &
load_pid=$!
round=2
while kill -0 "$load_pid" 2> /dev/null; do
  if ((round > last_round)); then
    echo "admin_interference: the admin work ended before the run did" >&2
    echo 0 > "$work/covered"
    break
  fi
  admin_round "$round"
  round=$((round + 1))
done
wait "$load_pid"
[[ -f $work/covered ]] || echo 1 > "$work/covered"
echo "$((round - 2))" > "$work/rounds"
stop_server

python3 - "$work" "$admin_codes" "$json_out" <<'PY'
import json, pathlib, sys
work, admin_codes, out = pathlib.Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
alone = json.loads((work / "alone.json").read_text())
during = json.loads((work / "during.json").read_text())
figures = {
    "rate": alone["rate_target"],
    "seconds": alone["seconds"],
    "admin_codes": admin_codes,
    "admin_ms_idle": int((work / "admin-1.ms").read_text()),
    "admin_ms_under_load": int((work / "admin-2.ms").read_text()),
    "admin_rounds_under_load": int((work / "rounds").read_text()),
    "admin_covered_run": (work / "covered").read_text().strip() == "1",
    "p99_alone_ms": alone["latency_ms"]["p99"],
    "p99_during_ms": during["latency_ms"]["p99"],
    "requests_per_second_alone": alone["requests_per_second"],
    "requests_per_second_during": during["requests_per_second"],
    "double_redemptions": alone["double_redemptions"] + during["double_redemptions"],
}
ratio = figures["p99_during_ms"] / figures["p99_alone_ms"] if figures["p99_alone_ms"] else 0.0
print(f"   p99 alone {figures['p99_alone_ms']:.2f} ms, during import + generate "
      f"{figures['p99_during_ms']:.2f} ms: {ratio:.2f}x (target <= 2x)")
print(f"   one import + generate took {figures['admin_ms_idle']} ms idle, "
      f"{figures['admin_ms_under_load']} ms under load; {figures['admin_rounds_under_load']} "
      f"under load; codes redeemed twice: {figures['double_redemptions']}")
if out != "-":
    pathlib.Path(out).write_text(json.dumps(figures, indent=1) + "\n")
PY
