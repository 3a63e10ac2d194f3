#!/usr/bin/env bash
# clang-tidy with the curated checks of .clang-tidy (every finding an error) on the C++ files a
# change touches: those changed since BASE (default: the commit before HEAD) and any uncommitted
# ones. Needs build/compile_commands.json (ops/scripts/build.sh). ops/scripts/test.sh runs it, so
# each landing checks what it changed; the whole tree: ops/scripts/tidy.sh --all.
#   ops/scripts/tidy.sh [BASE | --all]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build_dir=${BUILD_DIR:-$root/build}
cd "$root"
if ! command -v clang-tidy >/dev/null; then
  echo "tidy: clang-tidy is not installed (ops/scripts/install-deps.sh installs it)" >&2
  exit 1
fi
if [[ "${1:-}" == --all ]]; then
  mapfile -t changed < <(git ls-files '*.cc')
else
  base=${1:-HEAD~1}
  git rev-parse --verify -q "$base" >/dev/null || base=$(git rev-list --max-parents=0 HEAD)
  mapfile -t changed < <({ git diff --name-only "$base" -- '*.cc' '*.h'; git ls-files -o --exclude-standard '*.cc' '*.h'; } | sort -u)
fi
# A header is checked through the files that include it (HeaderFilterRegex); only translation
# units in the compilation database can be run.
files=()
for file in "${changed[@]}"; do
  [[ -f "$file" && "$file" == *.cc ]] || continue
  grep -q "\"file\": \"$root/$file\"" "$build_dir/compile_commands.json" && files+=("$file")
done
for header in "${changed[@]}"; do
  [[ -f "$header" && "$header" == *.h ]] || continue
  mapfile -t users < <(git grep -l "#include \"$header\"" -- '*.cc' | head -1)
  for user in "${users[@]}"; do
    grep -q "\"file\": \"$root/$user\"" "$build_dir/compile_commands.json" && files+=("$user")
  done
done
mapfile -t files < <(printf '%s\n' "${files[@]}" | sort -u | sed '/^$/d')
if [[ ${#files[@]} -eq 0 ]]; then
  echo "tidy: no changed C++ files"
  exit 0
fi
echo "tidy: ${#files[@]} files"
printf '%s\n' "${files[@]}" | xargs -P "$(nproc)" -n 1 clang-tidy -p "$build_dir" --quiet
echo "tidy: clean"
