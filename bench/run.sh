#!/usr/bin/env bash
# Runs the engine microbenchmarks in one invocation and writes their figures, with the ratios the
# targets are stated in, into docs/benchmarks.md (between the "engine-microbench" markers). Then
# prints the data plane's scorecard: its in-process rows from this run, its server rows from the
# last bench/flash_sale.sh run on this checkout (kept in build-release/flash-sale-results), or
# "not measured" without one. Only flash_sale.sh writes the scorecard into the docs, since there
# every figure comes from one run.
#
#   bench/run.sh                  # 10M coupons, as the targets are stated
#   COUPOND_BENCH_COUPONS=1000000 bench/run.sh --no-docs   # a quick look, docs untouched
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
write_docs=1
[[ ${1:-} == --no-docs ]] && write_docs=0

# shellcheck source=bench/lib.sh
source bench/lib.sh
build_release coupond-bench
results=$(mktemp "${TMPDIR:-/tmp}/coupond-bench-XXXXXX.json")
trap 'rm -f "$results"' EXIT
build-release/bench/coupond-bench --benchmark_repetitions=3 \
  --benchmark_report_aggregates_only=true --benchmark_out="$results" --benchmark_out_format=json
if ((write_docs)); then
  python3 bench/report.py "$results" docs/benchmarks.md "bench/run.sh"
  echo "bench: figures written to docs/benchmarks.md"
else
  python3 bench/report.py "$results" - "bench/run.sh"
fi

flash_sale=build-release/flash-sale-results
echo
if [[ -d $flash_sale ]]; then
  echo "Scorecard: in-process rows from this run, server rows from the bench/flash_sale.sh run of" \
    "$(date -u -r "$flash_sale" '+%Y-%m-%d %H:%M UTC')"
else
  echo "Scorecard: in-process rows from this run; bench/flash_sale.sh measures the server rows"
fi
python3 bench/scorecard.py --bench "$results" --flash-sale "$flash_sale"
