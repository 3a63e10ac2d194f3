#!/usr/bin/env bash
# Sanitizer runs (CI runs both after the main suite):
#   ops/scripts/sanitize.sh asan   ASan + UBSan build in build-asan: the unit tests and the
#                                  integration tests (real broker), the black-box scripts included
#   ops/scripts/sanitize.sh tsan   TSan build in build-tsan: the runtime's unit tests, with its
#                                  concurrency tests (offset tracker and commit gate under threads)
# Both build at -O1 without debug info, without load-tests/ (their figures would mean nothing
# under a sanitizer) and as unity builds (each target's sources compiled together: about a quarter less
# build time on two cores), which keeps them short enough for CI. The main build stays one
# translation unit per file, so a missing include still fails there. Extra arguments go to ctest.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
kind=${1:?usage: sanitize.sh asan|tsan [ctest arguments]}
shift
case "$kind" in
  asan)
    dir=$root/build-asan
    flags=(-DMODSTREAM_SANITIZE=ON)
    targets=(all)
    # The firehose smoke needs load-tests/; pdq_compat hashes 1,000 images and only compares
    # numbers with PyPI pdqhash, which the main run already did.
    tests=(-L "unit|integration" -E "firehose_smoke|pdq_compat")
    export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
    export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
    ;;
  tsan)
    dir=$root/build-tsan
    flags=(-DMODSTREAM_TSAN=ON)
    targets=(pipeline_unit_tests)
    export TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1
    ;;
  *)
    echo "sanitize.sh: unknown kind '$kind' (asan or tsan)" >&2
    exit 2
    ;;
esac
cmake -S "$root" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Sanitize -DCMAKE_CXX_FLAGS_SANITIZE="-O1" \
  -DMODSTREAM_LOAD_TESTS=OFF -DCMAKE_UNITY_BUILD=ON "${flags[@]}" >/dev/null
cmake --build "$dir" --parallel "$(nproc)" --target "${targets[@]}"
# The black-box test scripts use the Python environment of the main build.
BUILD_DIR="$root/build" "$root/ops/scripts/python-test-env.sh"
ln -sfn "$root/build/pyenv" "$dir/pyenv"
cd "$dir"
if [[ "$kind" == tsan ]]; then
  exec ./tests/pipeline_unit_tests "$@"  # every runtime unit test, the threaded ones included
fi
ctest --output-on-failure --timeout 900 --parallel "$(nproc)" "${tests[@]}" "$@"
