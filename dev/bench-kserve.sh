#!/usr/bin/env bash
# Served MiniLM against KServe: the same client (`edgeinfer bench serve`, gRPC, plaintext), the
# same sentences and concurrency, one compute thread each, alternating, REPEAT rounds:
#   edgeinfer   one release edge-node serving minilm version 2 (int8) with dynamic batching and
#               `threads: 1` (the node's networking may use the other core)
#   kserve      KServe's ModelServer (PyPI kserve, in a virtual environment under .cache) running
#               ONNX Runtime's dynamic int8 of the same model on one thread (dev/kserve-minilm.py)
# Usage: dev/bench-kserve.sh [DURATION_S] [REPEAT] [CONCURRENCY]   (TEXTS=dev/serve-passages.txt for passages)
# Needs `make models` and `swift build -c release --product edgeinfer --product edge-node`.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-15}
REPEAT=${2:-2}
[ "$REPEAT" -ge 1 ] 2>/dev/null || { echo "REPEAT must be 1 or more" >&2; exit 1; }
CONCURRENCY=${3:-32}
TEXTS=${TEXTS:-dev/serve-sentences.txt}
BIN=.build/release
ONNX=.cache/onnx/minilm-dynamic-int8.onnx
VENV=.cache/kserve-venv
[ -f models/minilm/config.pbtxt ] && [ -f "$ONNX" ] || { echo "models/minilm or $ONNX is missing: make models" >&2; exit 1; }
[ -x $BIN/edge-node ] && [ -x $BIN/edgeinfer ] || { echo "build release edgeinfer and edge-node first" >&2; exit 1; }
# KServe pins its own protobuf and grpcio: a virtual environment keeps them from the test tools'.
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c "import kserve, onnxruntime, tokenizers" 2>/dev/null; then
  python3 -m venv "$VENV"
  # The versions the figures in docs/BENCHMARKS.md were measured with.
  "$VENV/bin/pip" install --quiet kserve==0.21.0 onnxruntime==1.32.0 tokenizers==0.23.3 numpy==2.4.6
fi

work=$(mktemp -d)
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

# Our node: minilm as installed (versions 1 and 2, dynamic batching), one compute thread a batch.
mkdir -p "$work/models/minilm"
for version in models/minilm/[0-9]*; do ln -s "$PWD/$version" "$work/models/minilm/$(basename "$version")"; done
cp models/minilm/config.pbtxt "$work/models/minilm/config.pbtxt"
echo 'parameters { key: "threads" value { string_value: "1" } }' >> "$work/models/minilm/config.pbtxt"
base=$((20000 + RANDOM % 20000))
$BIN/edge-node --id node-1 --location 48.85,2.35 --listen 127.0.0.1:$base --models "$work/models" --capacity 4096 \
  --insecure --log-level warning > "$work/node.log" 2>&1 &
node_pid=$!
pids+=($node_pid)
"$VENV/bin/python" dev/kserve-minilm.py "$ONNX" models/minilm/2/tokenizer.json $((base + 1)) $((base + 2)) \
  > "$work/kserve.log" 2>&1 &
kserve_pid=$!
pids+=($kserve_pid)

serve() { $BIN/edgeinfer bench serve --insecure --target "127.0.0.1:$1" --model minilm --text "$TEXTS" --json "${@:2}"; }
# Each server answering (a server that exits, e.g. on a port already taken, is reported at once).
for side in node kserve; do
  port=$base pid=$node_pid
  [ $side = kserve ] && port=$((base + 1)) pid=$kserve_pid
  for _ in $(seq 300); do
    serve $port --duration 0.2 --warmup 0 --concurrency 1 >/dev/null 2>&1 && break
    kill -0 $pid 2>/dev/null || break
    sleep 0.2
  done
  serve $port --duration 0.2 --warmup 0 --concurrency 1 >/dev/null || { echo "$side on $port did not answer:" >&2; cat "$work/$side.log" >&2; exit 1; }
done

results="$work/results.jsonl"
for round in $(seq "$REPEAT"); do
  for side in kserve edgeinfer; do
    port=$base
    [ $side = kserve ] && port=$((base + 1))
    echo "round $round: $side, concurrency $CONCURRENCY, ${DURATION}s, $TEXTS" >&2
    serve $port --concurrency "$CONCURRENCY" --duration "$DURATION" | python3 -c \
      "import json,sys; r=json.load(sys.stdin); r['side']='$side'; print(json.dumps(r))" | tee -a "$results"
  done
done
python3 - "$results" <<'PY'
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
ours = [r for r in rows if r["side"] == "edgeinfer"]
theirs = [r for r in rows if r["side"] == "kserve"]
for o, k in zip(ours, theirs):
    print(f"edgeinfer {o['throughput']:.1f}/s p50 {o['p50_ms']:.1f} p99 {o['p99_ms']:.1f} ms, failed {o['failed']}; "
          f"kserve {k['throughput']:.1f}/s p50 {k['p50_ms']:.1f} p99 {k['p99_ms']:.1f} ms, failed {k['failed']}; "
          f"ratio {o['throughput'] / k['throughput']:.2f}x" if k["throughput"] > 0 else "ratio n/a (KServe answered nothing)")
PY
