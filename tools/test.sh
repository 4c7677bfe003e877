#!/usr/bin/env bash
# Builds and runs every test, three times over, then fuzzes:
#   build/        the README's "Building by hand" Release build of every target (server, tools,
#                 tests, benchmarks, demo): the whole GoogleTest suite through CTest
#   build-asan/   AddressSanitizer + UndefinedBehaviorSanitizer: the whole suite
#   build-tsan/   ThreadSanitizer: the concurrency suites (test names containing "Concurrency")
#   build-fuzz/   clang's libFuzzer under ASan + UBSan: each fuzz target for 30 s (tools/fuzz.sh)
# Installs missing packages first (tools/setup.sh). Exits non-zero if any build, test or fuzz
# target fails.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

tools/setup.sh

# run_suite BUILD_DIR FILTER CMAKE_ARGS... [--target T]...: with no --target, every target.
run_suite() {
  local build_dir=$1 filter=$2
  shift 2
  echo "=== $build_dir: building"
  tools/setup.sh "$build_dir" "$@"
  echo "=== $build_dir: testing"
  # TSan needs the address space layout it was built for; some kernels randomize mmap more than
  # it tolerates, so the sanitizer runs go without ASLR when setarch can turn it off.
  local launcher=()
  if setarch "$(uname -m)" -R true 2>/dev/null; then launcher=(setarch "$(uname -m)" -R); fi
  "${launcher[@]}" ctest --test-dir "$build_dir" --output-on-failure -j "$(nproc)" ${filter:+-R "$filter"}
}

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1}

# Exactly the README's by-hand build (its options at their defaults, said again in case build/
# was configured otherwise before), so that the documented commands are the tested ones.
run_suite build "" -DCMAKE_BUILD_TYPE=Release -DCOUPOND_BUILD_BENCH=ON
run_suite build-asan "" -DCMAKE_BUILD_TYPE=Debug -DCOUPOND_SANITIZE=address -DCOUPOND_BUILD_BENCH=OFF \
  --target coupond-tests
run_suite build-tsan Concurrency -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCOUPOND_SANITIZE=thread \
  -DCOUPOND_BUILD_BENCH=OFF --target coupond-tests
tools/fuzz.sh 30
echo "=== all test suites passed"
