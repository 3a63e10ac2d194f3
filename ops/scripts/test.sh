#!/usr/bin/env bash
# README command 2: install what is missing, build, and run every test: unit, config and
# integration tests (against a real Kafka broker that ctest starts and stops), then the demo.
#   ops/scripts/test.sh               everything
#   ops/scripts/test.sh -L unit       only tests labelled unit (any ctest arguments work)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
"$root/ops/scripts/install-deps.sh"
"$root/ops/kafka/broker.sh" fetch
"$root/ops/models/fetch.sh" >/dev/null  # the text model, pinned by SHA-256
"$root/ops/scripts/build.sh"
"$root/ops/scripts/python-test-env.sh"
"$root/ops/scripts/check-format.sh"
"$root/ops/scripts/tidy.sh"  # clang-tidy on the files the last commit and the working tree touch
cd "${BUILD_DIR:-$root/build}"
# Two at a time on two cores: most integration tests wait on the broker and on their processes,
# so the suite takes about half as long; each test uses its own topics and groups.
ctest --output-on-failure --timeout 600 --parallel "$(nproc)" "$@"
if [[ $# -eq 0 ]]; then
  echo "== modstream demo (the README's first command, against the fresh build)"
  ./app/cli/modstream demo
fi
