#!/usr/bin/env bash
# Configures and builds modstream into build/ (or $BUILD_DIR). Extra arguments go to cmake, e.g.
#   ops/scripts/build.sh -DMODSTREAM_SANITIZE=ON      (ASan + UBSan build)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build_dir=${BUILD_DIR:-$root/build}
cmake -S "$root" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=${BUILD_TYPE:-RelWithDebInfo} "$@" >/dev/null
cmake --build "$build_dir" --parallel "$(nproc)"
