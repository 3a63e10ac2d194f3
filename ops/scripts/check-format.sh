#!/usr/bin/env bash
# Fails when a C++ file differs from .clang-format's style (clang-format --dry-run -Werror).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
mapfile -t files < <(git ls-files '*.cc' '*.h')
clang-format --dry-run -Werror "${files[@]}"
echo "check-format: ${#files[@]} files clean"
