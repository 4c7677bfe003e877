#!/usr/bin/env bash
# Runs the engine microbenchmarks in one invocation and writes their figures, with the ratios the
# targets are stated in, into docs/benchmarks.md (between the "engine-microbench" markers).
#
#   bench/run.sh                  # 10M coupons, as the targets are stated
#   COUPOND_BENCH_COUPONS=1000000 bench/run.sh --no-docs   # a quick look, docs untouched
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
write_docs=1
[[ ${1:-} == --no-docs ]] && write_docs=0

tools/setup.sh build-release -DCMAKE_BUILD_TYPE=Release -DCOUPOND_BUILD_TESTS=OFF -DCOUPOND_FAULT_POINTS=OFF \
  --target coupond-bench
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
