#!/usr/bin/env bash
# Installs what coupond needs to build on Debian 12, and only what is missing: each package is
# checked with dpkg -s, and apt-get update runs once before the first install. Then, when given a
# build directory and CMake arguments, configures and builds there:
#
#   tools/setup.sh                         # packages only
#   COUPOND_EXTRA_PACKAGES="nginx wrk" tools/setup.sh   # and these too
#   tools/setup.sh build -DCMAKE_BUILD_TYPE=Release [--target coupond-demo]
set -euo pipefail

packages=(
  cmake g++ make pkg-config
  libboost1.81-dev libboost-json1.81-dev libboost-program-options1.81-dev libboost-url1.81-dev
  libssl-dev libxxhash-dev libgtest-dev libgmock-dev libbenchmark-dev
  python3
  # The admin port's early 401 is tested with curl, as operators send uploads.
  curl
  # The loader's Redis comparison is tested against a real redis-server the test starts.
  redis-server
  # The election is tested against a real etcd the test starts (/usr/bin/etcd).
  etcd-server
  # Routing by code across partitions is tested through a real HAProxy (docs/routing.md).
  haproxy
  # tools/fuzz.sh: clang and its runtimes, libFuzzer among them.
  clang libclang-rt-14-dev
)

# The bench suite asks for its own tools (nginx, wrk, gnuplot) this way.
read -r -a extra_packages <<< "${COUPOND_EXTRA_PACKAGES:-}"
packages+=("${extra_packages[@]}")

missing=()
for package in "${packages[@]}"; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done

if ((${#missing[@]} > 0)); then
  as_root=()
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || { echo "setup: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
    as_root=(sudo)
  fi
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  "${as_root[@]}" apt-get update -q
  "${as_root[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

(($# == 0)) && exit 0

# Configure and build: first argument the build directory, the rest CMake configure arguments,
# with an optional "--target T" (repeatable) for the build step.
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=$1
shift
configure_args=()
build_args=()
while (($# > 0)); do
  if [[ $1 == --target ]]; then
    build_args+=(--target "$2")
    shift 2
  else
    configure_args+=("$1")
    shift
  fi
done
cmake -S "$root" -B "$root/$build_dir" "${configure_args[@]}" >/dev/null
cmake --build "$root/$build_dir" -j "$(nproc)" "${build_args[@]}"
