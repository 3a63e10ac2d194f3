#!/usr/bin/env bash
# Makes the Python environment that tests and benchmarks use for reference implementations
# (never shipped): build/pyenv with PyPI pdqhash (Meta's C++ PDQ) and numpy, pinned.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
venv=${BUILD_DIR:-$root/build}/pyenv
requirements="$root/ops/scripts/python-test-requirements.txt"
stamp="$venv/.requirements"
if [[ -f "$stamp" ]] && cmp -s "$stamp" "$requirements"; then exit 0; fi
rm -rf "$venv"
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements"
cp "$requirements" "$stamp"
echo "python-test-env: $venv ready"
