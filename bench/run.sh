#!/usr/bin/env bash
# Benchmark: scan time and peak memory on a generated large repository and on
# every fixture. Usage: bench/run.sh [N_PY_FILES]   (default 20000)
# Prints wall-clock seconds and max RSS; exits non-zero when the large scan
# exceeds the budget (BUDGET_SECONDS, default 10; BUDGET_MB, default 64: the
# memory target of a scan, issue 9; it takes about 20 MiB on 2026-12-05).
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-20000}
budget_s=${BUDGET_SECONDS:-10}
budget_mb=${BUDGET_MB:-64}
cargo build --release --quiet
bin=target/release/mlops-level
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 bench/gen_repo.py "$tmp/repo" "$n"
measure() {
  /usr/bin/time -f "%e %M" -o "$tmp/time" "$bin" scan "$1" --format json > "$tmp/out.json"
  read -r secs kb < "$tmp/time"
  echo "$secs $((kb / 1024))"
}
read -r secs mb < <(measure "$tmp/repo")
files=$(find "$tmp/repo" -type f -not -path '*/node_modules/*' | wc -l)
echo "large repo: $files files: ${secs}s, ${mb} MiB peak RSS (budget ${budget_s}s, ${budget_mb} MiB)"
total=0
for d in fixtures/*/repo; do
  read -r s _ < <(measure "$d")
  total=$(python3 -c "print($total + $s)")
done
echo "all $(ls -d fixtures/*/repo | wc -l) fixtures: ${total}s in total"
python3 - "$secs" "$mb" "$budget_s" "$budget_mb" <<'PY'
import sys
secs, mb, bs, bm = float(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
sys.exit(0 if secs <= bs and mb <= bm else 1)
PY
