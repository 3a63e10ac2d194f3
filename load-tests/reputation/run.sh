#!/usr/bin/env bash
# Reputation state on one core: updates/s of the stage's path against raw RocksDB batched writes
# in the same run, for a hot set of 50,000 accounts (all in the stage's cache) and for ACCOUNTS
# accounts (most updates read RocksDB), and the time to restore ACCOUNTS accounts from a changelog
# topic on a real broker (started here). Writes load-tests/results/reputation.md and .json.
#   load-tests/reputation/run.sh [POSTS] [ACCOUNTS]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
posts=${1:-2000000}
accounts=${2:-1000000}
build=${BUILD_DIR:-$root/build}
"$root/ops/scripts/build.sh" >/dev/null
work=$(mktemp -d)
broker=$work/broker
trap '"$root/ops/kafka/broker.sh" stop "$broker" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
"$root/ops/kafka/broker.sh" start "$broker" >/dev/null
hot=$(taskset -c 0 "$build/load-tests/reputation/reputation_bench" "$work/hot" "$posts" 50000)
result=$(taskset -c 0 "$build/load-tests/reputation/reputation_bench" "$work/state" "$posts" \
  "$accounts" "$(cat "$broker/bootstrap")")
out=$root/load-tests/results
mkdir -p "$out"
python3 - "$hot" "$result" "$out" <<'PY'
import datetime, json, platform, sys
hot, r, out = json.loads(sys.argv[1]), json.loads(sys.argv[2]), sys.argv[3]
text = "\n".join([
    "# Reputation state: updates and restore", "",
    f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC, "
    f"{platform.processor() or platform.machine()}, one core (taskset -c 0), RocksDB on local disk, "
    "single-node Kafka (KRaft) on the same machine.", "",
    "Stage updates: cache or RocksDB read, decode, apply, snapshot, encode, batched write. Raw: "
    "RocksDB writes of values the same size in batches of 1,000.", "",
    "| accounts (posts) | stage updates/s | raw batched writes/s | ratio |", "|---|---|---|---|",
    *[f"| {x['accounts']:,} ({x['posts']:,}) | {x['stage_updates_per_s']:,.0f} | "
      f"{x['raw_batched_writes_per_s']:,.0f} | {x['ratio']:.2f} |" for x in (hot, r)],
    "", "| measure | value |", "|---|---|",
    f"| restore of {r['restored_accounts']:,} accounts from the changelog | {r['restore_seconds']:.1f} s |",
    f"| (writing that changelog first) | {r['changelog_write_seconds']:.1f} s |", ""])
open(f"{out}/reputation.md", "w").write(text)
json.dump({"hot": hot, "large": r}, open(f"{out}/reputation.json", "w"), indent=2)
print(text)
PY
