#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz/) with clang under AddressSanitizer +
# UndefinedBehaviorSanitizer in build-fuzz/, and runs each for SECONDS (default 30), starting from
# its seed corpus in tests/fuzz/corpus/<target>/. Exits non-zero when any target finds a crash, a
# leak, a timeout or a broken property; the input that did it is left in build-fuzz/findings/.
#
#   tools/fuzz.sh 30                    # every target, 30 s each
#   tools/fuzz.sh 600 journal_reader    # one target, ten minutes
#
# New inputs the fuzzer keeps go to build-fuzz/corpus/<target>/, not to the repository's seeds.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

seconds=${1:-30}
shift || true
targets=("$@")
if ((${#targets[@]} == 0)); then
  targets=(coupon_request batch_spec codes import_stream journal_reader recovery snapshot_reader
           replication_stream)
fi

build_targets=()
for target in "${targets[@]}"; do build_targets+=(--target "${target}_fuzz"); done
echo "=== build-fuzz: building"
# The fuzz build is its own: clang (libFuzzer comes with it), ASan + UBSan, no tests or bench.
tools/setup.sh build-fuzz -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCOUPOND_SANITIZE=address -DCOUPOND_FUZZ=ON -DCOUPOND_BUILD_TESTS=OFF \
  -DCOUPOND_BUILD_BENCH=OFF "${build_targets[@]}"

# The journal and snapshot targets write files at every run: on tmpfs when there is one.
if [[ -z ${TMPDIR:-} && -d /dev/shm && -w /dev/shm ]]; then export TMPDIR=/dev/shm; fi
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

findings=build-fuzz/findings
mkdir -p "$findings"
failed=()
for target in "${targets[@]}"; do
  corpus=build-fuzz/corpus/$target
  mkdir -p "$corpus"
  log=build-fuzz/fuzz-$target.log
  echo "=== fuzzing $target for ${seconds}s"
  # -timeout: one input taking 10 s is a hang; -rss_limit_mb: a run growing past 2 GiB is a leak
  # or an allocation the input controls. Either fails the target, like a crash.
  status=0
  "build-fuzz/tests/fuzz/${target}_fuzz" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$findings/$target-" \
    "$corpus" "tests/fuzz/corpus/$target" >"$log" 2>&1 || status=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  coverage=$(grep -o 'cov: [0-9]*' "$log" | tail -1 || true)
  echo "$target: ${runs:-0} executions, ${coverage:-cov: ?}, exit $status"
  if ((status != 0)); then
    tail -n 40 "$log"
    failed+=("$target")
  fi
done

if ((${#failed[@]} > 0)); then
  echo "=== fuzzing found problems in: ${failed[*]} (inputs in $findings/, logs in build-fuzz/)"
  exit 1
fi
echo "=== fuzzing found nothing"
