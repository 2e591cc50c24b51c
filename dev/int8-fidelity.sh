#!/usr/bin/env bash
# How close MiniLM's int8 version stays to fp32 on short texts it was never tuned on: every
# vocabulary entry alone (## removed), a fixed sample of 10,000 random one- to three-word strings
# of them, and the project's fixed sentence sets. Prints each set's minimum and mean cosine, the
# count below 0.999, and the worst texts. Needs `make models`. Usage: dev/int8-fidelity.sh [ARGS]
# (ARGS go to `edgeinfer bench fidelity`, e.g. --worst 40 or --kernel-path avx2).
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product edgeinfer >&2
exec .build/release/edgeinfer bench fidelity minilm "$@"
