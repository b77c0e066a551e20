#!/usr/bin/env bash
# Runs each cargo-fuzz target for a fixed time and prints what it covered. Usage:
#   scripts/fuzz.sh SECONDS TARGET...
# A crash stops the run with the input saved under fuzz/artifacts/<target>/: turn it into a
# regression test before fixing it.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-600}
shift || true
if [ "$#" -eq 0 ]; then
  set -- msgpack_decoder config_decoder validators
fi
tools="$PWD/.tools/cargo"
if ! rustup run nightly rustc --version >/dev/null 2>&1; then
  echo "make fuzz needs a nightly toolchain (rustup toolchain install nightly)" >&2
  exit 1
fi
if [ ! -x "$tools/bin/cargo-fuzz" ]; then
  cargo install --locked --root "$tools" cargo-fuzz
fi
export PATH="$tools/bin:$PATH"
logs="$PWD/target/fuzz-logs"
mkdir -p "$logs"
for target in "$@"; do
  echo "== $target, ${seconds}s (log: target/fuzz-logs/$target.log)"
  mkdir -p "fuzz/corpus/$target"
  status=0
  cargo +nightly fuzz run --fuzz-dir fuzz --sanitizer none "$target" "fuzz/corpus/$target" -- \
    -max_total_time="$seconds" -print_final_stats=1 >"$logs/$target.log" 2>&1 || status=$?
  grep -E '^(#[0-9]+\s+DONE|stat::number_of_executed_units|stat::peak_rss_mb|Done [0-9]+ runs)' \
    "$logs/$target.log" || true
  echo "corpus: $(ls "fuzz/corpus/$target" | wc -l) inputs"
  if [ "$status" -ne 0 ]; then
    tail -n 40 "$logs/$target.log" >&2
    echo "$target failed (exit $status); crash inputs, if any, are in fuzz/artifacts/$target" >&2
    exit "$status"
  fi
done
