#!/usr/bin/env bash
# The scan against ripgrep doing comparable work on the same tree, in the same
# run, alternating the two: medians, the ratio, and peak RSS.
#
# Usage: bench/vs_ripgrep.sh [-n PAIRS] TREE...
#   TREE is a directory (a real repository checkout), or gen:N for a tree of N
#   generated files of distinct content (bench/gen_tree.py; cached under
#   $BENCH_CACHE, default /tmp/mlops-level-bench).
#
# ripgrep searches for the content patterns the scanner screens files with
# and the catalogue's call names (`mlops-level content-patterns`), counting
# matches per file over the whole tree (`rg --no-unicode --hidden -g '!.git'
# -c -f PATTERNS`). The scan is `mlops-level scan TREE --format json`.
# Prints one line per tree: files, scan median, rg median, ratio, peak RSS of
# each, and the scan's microseconds per file. ripgrep is installed with apt
# when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
pairs=5
if [ "${1:-}" = "-n" ]; then pairs=$2; shift 2; fi
[ $# -gt 0 ] || { echo "usage: bench/vs_ripgrep.sh [-n PAIRS] TREE|gen:N ..." >&2; exit 2; }
command -v rg >/dev/null || { apt-get install -y ripgrep >/dev/null 2>&1 || (apt-get update >/dev/null && apt-get install -y ripgrep >/dev/null); }
cargo build --release --quiet
bin=target/release/mlops-level
cache=${BENCH_CACHE:-/tmp/mlops-level-bench}
mkdir -p "$cache"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$bin" content-patterns > "$tmp/patterns"

run() { # label cmd... -> appends "secs kb" to $tmp/label
  local label=$1; shift
  /usr/bin/time -f "%e %M" -o "$tmp/t" "$@" > /dev/null 2>&1 || true
  cat "$tmp/t" >> "$tmp/$label"
}

for spec in "$@"; do
  case "$spec" in
    gen:*)
      n=${spec#gen:}
      tree="$cache/gen-$n"
      if [ ! -f "$tree/.complete" ]; then
        rm -rf "$tree"
        python3 bench/gen_tree.py "$tree" "$n" > /dev/null
        touch "$tree/.complete"
      fi
      ;;
    *) tree=$spec ;;
  esac
  files=$(find "$tree" -type f -not -path '*/.git/*' | wc -l)
  rm -f "$tmp/scan" "$tmp/rg"
  # Warm the page cache once for both.
  "$bin" scan "$tree" --format json > /dev/null 2>&1 || true
  rg --no-unicode --hidden -g '!.git' -c -f "$tmp/patterns" "$tree" > /dev/null 2>&1 || true
  for _ in $(seq "$pairs"); do
    run scan "$bin" scan "$tree" --format json
    run rg rg --no-unicode --hidden -g '!.git' -c -f "$tmp/patterns" "$tree"
  done
  python3 - "$spec" "$files" "$tmp/scan" "$tmp/rg" <<'PY'
import statistics, sys
spec, files, scan, rg = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
def load(p):
    rows = [l.split() for l in open(p) if l.strip()]
    return statistics.median(float(r[0]) for r in rows), max(int(r[1]) for r in rows) / 1024
s, s_mb = load(scan)
r, r_mb = load(rg)
print(f"{spec}: {files} files | scan {s:.2f}s {s_mb:.0f} MiB | rg {r:.2f}s {r_mb:.0f} MiB | ratio {s / r:.2f}x | {1e6 * s / files:.1f} us/file")
PY
done
