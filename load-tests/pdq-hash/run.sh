#!/usr/bin/env bash
# PDQ hashing throughput: modstream against PyPI pdqhash (+ Pillow decoding) on the same files, in
# the same run, one core each. Writes load-tests/results/pdq-hash.md and .json.
#   load-tests/pdq-hash/run.sh [ROUNDS]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
rounds=${1:-3}
build=${BUILD_DIR:-$root/build}
data=$root/../shared/testdata/pdq-reference
[[ -d "$data" ]] || { echo "pdq-hash: $data is absent; it holds the benchmark's images" >&2; exit 2; }
"$root/ops/scripts/build.sh" >/dev/null
BUILD_DIR=$build "$root/ops/scripts/python-test-env.sh"
mapfile -t files < <(ls "$data"/bridge-mods/*.jpg "$data"/reg-test-input/dih/*.jpg \
  "$data"/reg-test-input/pen-and-coaster.png "$data"/misc-images/c.png | sort)
out=$root/load-tests/results
mkdir -p "$out"
ours=$(taskset -c 0 "$build/load-tests/pdq-hash/pdq_hash_bench" "$rounds" "${files[@]}")
reference=$(taskset -c 0 "$build/pyenv/bin/python" "$root/load-tests/pdq-hash/reference.py" "$rounds" "${files[@]}")
"$build/pyenv/bin/python" - "$ours" "$reference" "${#files[@]}" "$rounds" "$out" <<'PY'
import json, sys, platform, datetime
ours, ref = json.loads(sys.argv[1]), json.loads(sys.argv[2])
files, rounds, out = sys.argv[3], sys.argv[4], sys.argv[5]
rows = [("decode + PDQ (images/s)", "decode_and_hash_images_per_s"), ("PDQ alone on decoded pixels (images/s)", "hash_only_images_per_s")]
lines = [f"# PDQ hashing: modstream vs PyPI pdqhash", "",
         f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC, {platform.processor() or platform.machine()}, one core each (taskset -c 0), "
         f"{files} files (the shared PDQ reference JPEGs and PNGs, 0.1 to 1.6 megapixels) x {rounds} rounds.", "",
         "| measure | modstream | pdqhash (+ Pillow decode) | ratio |", "|---|---|---|---|"]
for label, key in rows:
    lines.append(f"| {label} | {ours[key]:.1f} | {ref[key]:.1f} | {ours[key] / ref[key]:.2f}x |")
text = "\n".join(lines) + "\n"
open(f"{out}/pdq-hash.md", "w").write(text)
json.dump({"modstream": ours, "pdqhash": ref}, open(f"{out}/pdq-hash.json", "w"), indent=2)
print(text)
PY
