#!/usr/bin/env bash
# The main job: installs what is missing, builds in Release and runs the engine demo on a fresh
# data directory (a Double 11 batch, a million signed codes, a validated and redeemed sample).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
tools/setup.sh build-release -DCMAKE_BUILD_TYPE=Release -DCOUPOND_BUILD_TESTS=OFF \
  -DCOUPOND_BUILD_BENCH=OFF --target coupond-demo
data_dir=$(mktemp -d "${TMPDIR:-/tmp}/coupond-demo-XXXXXX")
trap 'rm -rf "$data_dir"' EXIT
build-release/tools/coupond-demo --data-dir "$data_dir" "$@"
