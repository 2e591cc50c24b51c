#!/usr/bin/env bash
# Builds the libFuzzer targets in Fuzz/ (fuzzer and address sanitizers, release) and runs each
# for RUNS executions from its seed corpus in Fuzz/Corpus (copied, so the committed seeds stay
# as they are). A crash, a sanitizer report or a leak stops the target, leaves the input that
# caused it in .build/fuzz/artifacts, and makes the script exit non-zero.
# Usage: dev/fuzz.sh [RUNS] [TARGET…]   (default: 1000000 runs of every target)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-1000000}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(FuzzInferRequest FuzzWireScanner FuzzBytesTensor FuzzTokenizer FuzzSafeTensors FuzzModelConfig)

# One -sanitize= list for Swift: swiftc keeps only the last -sanitize= flag it is given, and
# SwiftPM orders two --sanitize options arbitrarily, which left either the coverage that guides
# the fuzzer or the address sanitizer out of the Swift code. clang adds its flags up.
flags=(-c release --sanitize=fuzzer -Xswiftc -sanitize=fuzzer,address -Xcc -fsanitize=address)
# FUZZ_SCRATCH: another build folder for the targets (default Fuzz/.build).
[ -n "${FUZZ_SCRATCH:-}" ] && flags+=(--scratch-path "$FUZZ_SCRATCH")
(cd Fuzz && swift build "${flags[@]}" >&2)
bin=$(cd Fuzz && swift build "${flags[@]}" --show-bin-path)
work=.build/fuzz
mkdir -p "$work/artifacts"
failed=0
for target in "${targets[@]}"; do
  corpus="$work/corpus/$target"
  mkdir -p "$corpus"
  started=$(date +%s)
  if "$bin/$target" "$corpus" "Fuzz/Corpus/$target" -runs="$RUNS" -max_len=4096 -rss_limit_mb=2048 \
      -artifact_prefix="$work/artifacts/$target-" -print_final_stats=1 > "$work/$target.log" 2>&1; then
    status=ok
  else
    status=FAILED
    failed=1
  fi
  # A target built without coverage runs blind: libFuzzer says so, and that is a failure too.
  if grep -q "Is the code instrumented for coverage" "$work/$target.log"; then
    status=FAILED
    failed=1
    echo "$target: built without coverage instrumentation" >&2
  fi
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$work/$target.log" | grep -o '[0-9]*$' || echo "?")
  coverage=$(grep -o 'cov: [0-9]*' "$work/$target.log" | tail -1 | grep -o '[0-9]*' || echo "?")
  echo "$target: $status, $runs executions in $(( $(date +%s) - started )) s, coverage $coverage edges (log: $work/$target.log)"
  if [ $status = FAILED ]; then grep -E "ERROR|Fatal|SUMMARY|Test unit written" "$work/$target.log" | head -5; fi
done
exit $failed
