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
# The firehose's image pool (seed 1), each distinct file once: the fast decode mode's distances.
pool=$(mktemp -d)
trap 'rm -rf "$pool"' EXIT
"$build/load-tests/firehose/firehose_gen" print --seed 1 --media-share 1 --repost-share 1 --count 400 \
  --media-dir "$pool" >/dev/null
mapfile -t pool_files < <(sha256sum "$pool"/* | sort -k1,1 -u | awk '{print $2}')
pool_result=$(taskset -c 0 "$build/load-tests/pdq-hash/pdq_hash_bench" "$rounds" "${pool_files[@]}")
reference=$(taskset -c 0 "$build/pyenv/bin/python" "$root/load-tests/pdq-hash/reference.py" "$rounds" "${files[@]}")
"$build/pyenv/bin/python" - "$ours" "$reference" "${#files[@]}" "$rounds" "$out" "$pool_result" <<'PY'
import json, sys, platform, datetime
ours, ref = json.loads(sys.argv[1]), json.loads(sys.argv[2])
files, rounds, out = sys.argv[3], sys.argv[4], sys.argv[5]
pool = json.loads(sys.argv[6])
rows = [("decode + PDQ (images/s)", "decode_and_hash_images_per_s"), ("PDQ alone on decoded pixels (images/s)", "hash_only_images_per_s")]
lines = [f"# PDQ hashing: modstream vs PyPI pdqhash", "",
         f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC, {platform.processor() or platform.machine()}, one core each (taskset -c 0), "
         f"{files} files (the shared PDQ reference JPEGs and PNGs, 0.1 to 1.6 megapixels) x {rounds} rounds.", "",
         "| measure | modstream | pdqhash (+ Pillow decode) | ratio |", "|---|---|---|---|"]
for label, key in rows:
    lines.append(f"| {label} | {ours[key]:.1f} | {ref[key]:.1f} | {ours[key] / ref[key]:.2f}x |")
lines += ["", "Fast decode (JPEGs decoded at 1/2, 1/4 or 1/8 scale in the DCT, both sides kept at least "
          "`min_side`): decode + PDQ images/s and the Hamming distance of each hash from the exact "
          "decode's, on the reference images above and on the firehose generator's image pool "
          f"({int(pool['images'] / int(rounds))} distinct files, 320x240 to 1024x768; exact decode + PDQ "
          f"{pool['decode_and_hash_images_per_s']:.1f} images/s).", "",
          "| min_side | reference: images/s (vs exact) | reference: distance p50 / p99 / max "
          "| pool: images/s | pool: distance p50 / p99 / max |", "|---|---|---|---|---|"]
for mine, theirs in zip(ours["fast_decode"], pool["fast_decode"]):
    lines.append(f"| {mine['min_side']} | {mine['decode_and_hash_images_per_s']:.1f} "
                 f"({mine['decode_and_hash_images_per_s'] / ours['decode_and_hash_images_per_s']:.2f}x) | "
                 f"{mine['distance_p50']} / {mine['distance_p99']} / {mine['distance_max']} | "
                 f"{theirs['decode_and_hash_images_per_s']:.1f} | "
                 f"{theirs['distance_p50']} / {theirs['distance_p99']} / {theirs['distance_max']} |")
text = "\n".join(lines) + "\n"
open(f"{out}/pdq-hash.md", "w").write(text)
json.dump({"modstream": ours, "pdqhash": ref, "pool": pool}, open(f"{out}/pdq-hash.json", "w"), indent=2)
print(text)
PY
