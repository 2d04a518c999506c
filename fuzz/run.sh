#!/usr/bin/env bash
# Fuzz every reader for a while: fuzz/run.sh [SECONDS_PER_TARGET] [TARGET...]
# (default 60 seconds, all targets). Needs a nightly toolchain and cargo-fuzz
# (`rustup toolchain install nightly && cargo install cargo-fuzz`).
#
# Corpora are seeded from the fixtures (fuzz/corpus/<target>/, not committed).
# A crash is saved by libFuzzer under fuzz/artifacts/<target>/: copy it to
# fuzz/regressions/<target>/ and `cargo test --test fuzz_smoke` replays it on
# every run from then on (stable toolchain, no cargo-fuzz needed).
set -euo pipefail
cd "$(dirname "$0")"
secs=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(scan_files shell python yaml catalog config rule_pack git_index)
python3 seed_corpus.py
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t" "artifacts/$t"
  cargo +nightly fuzz run "$t" "corpus/$t" -- -max_total_time="$secs" -max_len=65536 -timeout=10 -rss_limit_mb=2048
done
