#!/usr/bin/env bash
# Fuzzes every parser of outside input with libFuzzer for SECONDS each (default 60), starting
# from the seed corpus in tests/fuzz/corpus/<target>. Builds with clang into build-fuzz (ASan +
# UBSan + libFuzzer). A crash is saved as build-fuzz/crashes/<target>-crash-*; copy it into
# tests/fuzz/corpus/<target>/ once fixed, and the ctest fuzz_regression_<target> replays it.
#
#   ops/scripts/fuzz.sh [SECONDS] [TARGET...]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
seconds=${1:-60}
shift || true
targets=("$@")
[[ ${#targets[@]} -gt 0 ]] || targets=(post_json media_decode bank_file lexicon_file config url text_normalizer)
build=${FUZZ_BUILD_DIR:-$root/build-fuzz}
if ! command -v clang++ >/dev/null; then
  echo "fuzz.sh: clang++ is missing; ops/scripts/install-deps.sh --fuzz installs it" >&2
  exit 2
fi
CC=clang CXX=clang++ cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DMODSTREAM_FUZZ=ON -DMODSTREAM_WERROR=OFF >/dev/null
cmake --build "$build" --target "${targets[@]/#/fuzz_}"
mkdir -p "$build/crashes"
status=0
for target in "${targets[@]}"; do
  work="$build/corpus/$target"
  mkdir -p "$work"
  echo "fuzz.sh: $target for ${seconds}s"
  if ! "$build/tests/fuzz/fuzz_$target" -max_total_time="$seconds" -max_len=65536 -timeout=10 \
      -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$build/crashes/$target-" \
      "$work" "$root/tests/fuzz/corpus/$target" 2>"$build/$target.log"; then
    echo "fuzz.sh: $target FOUND A CRASH: $(ls "$build/crashes/$target-"* 2>/dev/null | head -1)" >&2
    tail -40 "$build/$target.log" >&2
    status=1
  else
    grep -E "stat::number_of_executed_units|cov:" "$build/$target.log" | tail -2
  fi
done
exit $status
