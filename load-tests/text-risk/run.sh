#!/usr/bin/env bash
# Text-risk throughput on one core: modstream (normalise + Hyperscan over the default lexicons +
# URL lists + scoring) against one std::regex per lexicon entry, on the same texts in the same run.
# Writes load-tests/results/text-risk.md and .json.
#   load-tests/text-risk/run.sh [SECONDS_PER_MEASURE]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
seconds=${1:-3}
build=${BUILD_DIR:-$root/build}
"$root/ops/scripts/build.sh" >/dev/null
out=$root/load-tests/results
mkdir -p "$out"
result=$(taskset -c 0 "$build/load-tests/text-risk/text_risk_bench" "$root/config/demo.yaml" \
  "$seconds" "$root"/tests/text_risk_corpus/corpus.jsonl "$root"/tests/text_risk_corpus/holdout.jsonl)
python3 - "$result" "$seconds" "$out" <<'PY'
import datetime, json, platform, sys
r, seconds, out = json.loads(sys.argv[1]), sys.argv[2], sys.argv[3]
inputs = [("firehose_messages", "firehose mix, chat-sized messages"),
          ("firehose_posts", "firehose mix, joined into ~4 KB posts"),
          ("corpus_messages", "whole corpus (hit-dense), messages"),
          ("corpus_posts", "whole corpus (hit-dense), ~4 KB posts")]
lines = ["# Text risk: modstream vs one std::regex per lexicon entry", "",
         f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC, "
         f"{platform.processor() or platform.machine()}, one core each (taskset -c 0), "
         f"{r['lexicon_entries']} lexicon entries (config/lexicons), at least {seconds} s per measure. "
         "Firehose mix: every benign and hard-negative message of tests/text_risk_corpus plus one "
         "violating message in twenty; corpus: every message.", "",
         "| input | texts x mean bytes | modstream MB/s | modstream messages/s | normalise only MB/s "
         "| std::regex MB/s | ratio | texts with findings (modstream / regex, first pass) |",
         "|---|---|---|---|---|---|---|---|"]
for key, label in inputs:
    row = r[key]
    ours, naive, norm = row["modstream"], row["naive_regex"], row["normalize_only"]
    lines.append(f"| {label} | {row['texts']} x {row['mean_bytes']} | {ours['mb_per_s']:.1f} | "
                 f"{ours['messages_per_s']:,.0f} | {norm['mb_per_s']:.1f} | {naive['mb_per_s']:.3f} | "
                 f"{ours['mb_per_s'] / naive['mb_per_s']:,.0f}x | "
                 f"{ours['messages_with_findings']} / {naive['messages_with_findings']} |")
text = "\n".join(lines) + "\n"
open(f"{out}/text-risk.md", "w").write(text)
json.dump(r, open(f"{out}/text-risk.json", "w"), indent=2)
print(text)
PY
