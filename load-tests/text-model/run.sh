#!/usr/bin/env bash
# Text-model throughput on one core: modstream's SentenceEncoder (C++ tokenizer + TorchScript on
# libtorch) against the reference (PyPI transformers on the same Debian torch) on the labelled
# corpus's messages, unbatched and in batches, in the same run, one thread each (taskset -c 0,
# OMP_NUM_THREADS=1). Writes load-tests/results/text-model.md and .json.
#   load-tests/text-model/run.sh [SECONDS_PER_MEASURE] [BATCH]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
seconds=${1:-10}
batch=${2:-32}
build=${BUILD_DIR:-$root/build}
"$root/ops/scripts/build.sh" >/dev/null
model_dir=$("$root/ops/models/fetch.sh")
python=$("$root/ops/models/fetch.sh" python)
corpus=("$root"/tests/text_risk_corpus/corpus.jsonl "$root"/tests/text_risk_corpus/holdout.jsonl)
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1
ours=$(taskset -c 0 "$build/load-tests/text-model/text_model_bench" "$model_dir" "$seconds" "$batch" \
  "$root/config" "${corpus[@]}")
reference=$(taskset -c 0 "$python" "$root/load-tests/text-model/reference.py" "$model_dir" \
  "$seconds" "$batch" "${corpus[@]}" 2>/dev/null)
out=$root/load-tests/results
mkdir -p "$out"
python3 - "$ours" "$reference" "$seconds" "$out" <<'PY'
import datetime, json, platform, sys
ours, ref, seconds, out = json.loads(sys.argv[1]), json.loads(sys.argv[2]), sys.argv[3], sys.argv[4]
lines = ["# Text model: modstream's SentenceEncoder vs PyPI transformers", "",
         f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC, "
         f"{platform.processor() or platform.machine()}, one core each (taskset -c 0, "
         f"OMP_NUM_THREADS=1), torch {ref['torch']}, {ours['texts']} corpus messages "
         f"({ours['mean_tokens']:.1f} tokens on average with [CLS] and [SEP]), at least {seconds} s "
         "per measure. Both tokenise, run all-MiniLM-L6-v2, mean-pool and normalise.", "",
         "| measure | modstream messages/s | transformers messages/s | ratio |", "|---|---|---|---|"]
for key, label in (("unbatched_messages_per_s", "one message at a time"),
                   ("batched_messages_per_s", f"batches of {ours['batch']}")):
    lines.append(f"| {label} | {ours[key]:,.0f} | {ref[key]:,.0f} | {ours[key] / ref[key]:.2f}x |")
lines.append(f"| tokenizer alone | {ours['tokenizer_messages_per_s']:,.0f} | | |")
lines += ["", "The learned tier's cheap static tier on every post (tokenise, mean of token embeddings, "
          "seven calibrated heads) beside the lexicon scan (normalise, Hyperscan, score) every post "
          "already pays, same core:", "",
          "| measure | messages/s | ratio to lexicons |", "|---|---|---|",
          f"| lexicons (baseline) | {ours['lexicons_messages_per_s']:,.0f} | 1.00x |",
          f"| static tier | {ours['static_tier_messages_per_s']:,.0f} | "
          f"{ours['static_tier_messages_per_s'] / ours['lexicons_messages_per_s']:.2f}x |"]
text = "\n".join(lines) + "\n"
open(f"{out}/text-model.md", "w").write(text)
json.dump({"modstream": ours, "reference": ref}, open(f"{out}/text-model.json", "w"), indent=2)
print(text)
PY
