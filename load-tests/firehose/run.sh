#!/usr/bin/env bash
# The firehose load and fault tests (README.md here): builds what is missing, then runs scenarios
# against a real broker this script starts.
#   load-tests/firehose/run.sh text-only mixed        named scenarios (folders under scenarios/)
#   load-tests/firehose/run.sh all                     every scenario
#   load-tests/firehose/run.sh mixed --scale 0.1       a quick correctness run (no perf targets)
# Results: load-tests/results/firehose/<scenario>/{summary.md,plot.png,result.json}.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${BUILD_DIR:-$root/build}
if [[ ! -x "$build/load-tests/firehose/firehose_gen" || ! -x "$build/app/cli/modstream" ]]; then
  "$root/ops/scripts/install-deps.sh"
  "$root/ops/kafka/broker.sh" fetch
  BUILD_DIR="$build" "$root/ops/scripts/build.sh"
fi
BUILD_DIR="$build" "$root/ops/scripts/python-test-env.sh"
exec "$build/pyenv/bin/python" "$root/load-tests/firehose/harness/firehose.py" --build-dir "$build" "$@"
