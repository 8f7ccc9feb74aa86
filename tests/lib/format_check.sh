#!/usr/bin/env bash
# Fails when a C++ file under exporter/, tests/ or bench/ is not formatted as
# the repository's .clang-format says (`make format` fixes it). Names every
# such file, with clang-format's first complaints. Run from anywhere:
#   tests/lib/format_check.sh [SOURCE_DIR]
set -euo pipefail
root=${1:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$root"
command -v clang-format >/dev/null ||
  { echo "format_check: clang-format not found (make deps installs it)" >&2; exit 1; }
[ -f .clang-format ] || { echo "format_check: no .clang-format in $root" >&2; exit 1; }
mapfile -d '' files < <(find exporter tests bench \( -name '*.cc' -o -name '*.h' \) -print0 | sort -z)
[ "${#files[@]}" -gt 0 ] || { echo "format_check: no C++ files found in $root" >&2; exit 1; }
# One clang-format for all files; its warnings name file:line:column.
if ! out=$(clang-format --dry-run -Werror --style=file "${files[@]}" 2>&1); then
  printf '%s\n' "$out" | head -60
  bad=$(printf '%s\n' "$out" | grep -oE '^[^:]+\.(cc|h):[0-9]+:[0-9]+: (error|warning)' |
    cut -d: -f1 | sort -u)
  echo "format_check: not formatted (run: make format):" $bad >&2
  exit 1
fi
echo "format_check: ${#files[@]} files formatted"
