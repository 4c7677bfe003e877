#!/usr/bin/env bash
# The crash loops of tests/crash_test.cpp and tests/crash_power_cut_test.cpp, for as long as you
# like: coupond is killed with SIGKILL at a random moment while six connections redeem (in the
# second loop, under the power-cut shim, with everything not synced then dropped), restarted, and
# checked (every redemption answered 200 is there; no code was answered 200 for two orders), CYCLES
# times each (default 300), then every fault-point case once more. Loopback only; each cycle takes
# about a second.
#
#   tools/crash-soak.sh            # 300 cycles
#   tools/crash-soak.sh 1000
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
cycles=${1:-300}
tools/setup.sh build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCOUPOND_BUILD_BENCH=OFF \
  --target coupond-tests
COUPOND_CRASH_CYCLES=$cycles build/tests/coupond-tests --gtest_filter='CrashTest.*'
