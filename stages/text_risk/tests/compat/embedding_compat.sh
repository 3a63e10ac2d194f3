#!/usr/bin/env bash
# embedding_compat.sh SENTENCE_EMBED_BINARY: runs embedding_compat.py with the converter venv's
# python (Debian's torch, PyPI transformers), after making sure the model is fetched and traced.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../../../.." && pwd)
model_dir=$("$root/ops/models/fetch.sh")
python=$("$root/ops/models/fetch.sh" python)
exec "$python" "$here/embedding_compat.py" "$1" "$model_dir"
