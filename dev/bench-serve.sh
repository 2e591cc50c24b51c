#!/usr/bin/env bash
# Dynamic batching against the same node with max_batch_size 1, side by side in one run, and the
# node under 5x its capacity (short sentences and eight-sentence passages). One release edge-node over TLS serves a temporary repository with
#   minilm        as installed (dynamic_batching, max_batch_size 64), one thread a batch
#   minilm_b1     the same files with max_batch_size 1 and no dynamic_batching
#   minilm_t2, minilm_b1_t2   the same two with threads 2 (a batch may use both cores)
#   minilm_shed   dynamic batching, threads 2, max_queue_size 64 (the overload run)
# and `edgeinfer bench serve` loads each in turn (alternating b1 / batched, REPEAT times).
# Usage: dev/bench-serve.sh [DURATION_S] [REPEAT] [CONCURRENCY]
# RATE=N offers N/s in the overload run instead of 5x the measured capacity (REPEAT may then be 0).
# Needs `make models` and `swift build -c release --product edgeinfer --product edge-node`.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-15}
REPEAT=${2:-2}
CONCURRENCY=${3:-32}
BIN=.build/release
[ -f models/minilm/config.pbtxt ] || { echo "models/minilm is missing: make models" >&2; exit 1; }
[ -x $BIN/edge-node ] && [ -x $BIN/edgeinfer ] || { echo "build release edgeinfer and edge-node first" >&2; exit 1; }

work=$(mktemp -d)
node_pid=
cleanup() { [ -n "$node_pid" ] && kill "$node_pid" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

$BIN/edgeinfer certs init --out "$work/certs" --nodes 1 >/dev/null
repo="$work/models"
# model name, max_batch_size (empty: as installed), dynamic_batching line (empty: removed), threads
make_model() {
  mkdir -p "$repo/$1"
  for version in models/minilm/[0-9]*; do ln -s "$PWD/$version" "$repo/$1/$(basename "$version")"; done
  local edits=(-e "s/^name: \"minilm\"/name: \"$1\"/")
  [ -n "$2" ] && edits+=(-e "s/^max_batch_size: .*/max_batch_size: $2/")
  if [ -n "$3" ]; then edits+=(-e "s/^dynamic_batching.*/$3/"); else edits+=(-e "/^dynamic_batching/d"); fi
  sed "${edits[@]}" models/minilm/config.pbtxt > "$repo/$1/config.pbtxt"
  echo "parameters { key: \"threads\" value { string_value: \"$4\" } }" >> "$repo/$1/config.pbtxt"
}
batching='dynamic_batching { max_queue_delay_microseconds: 2000 }'
make_model minilm "" "$batching" 1
make_model minilm_b1 1 "" 1
make_model minilm_t2 "" "$batching" 2
make_model minilm_b1_t2 1 "" 2
make_model minilm_shed "" 'dynamic_batching { max_queue_delay_microseconds: 2000 default_queue_policy { max_queue_size: 64 } }' 2

port=$((20000 + RANDOM % 20000))
$BIN/edge-node --id node-1 --location 48.85,2.35 --listen 127.0.0.1:$port --models "$repo" --capacity 4096 \
  --ca "$work/certs/ca.pem" --cert "$work/certs/node-1.pem" --key "$work/certs/node-1-key.pem" --log-level warning &
node_pid=$!
tls=(--target 127.0.0.1:$port --ca "$work/certs/ca.pem" --cert "$work/certs/client.pem" --key "$work/certs/client-key.pem")
for _ in $(seq 100); do
  $BIN/edgeinfer bench serve "${tls[@]}" --model minilm --text dev/serve-sentences.txt --duration 0.2 --warmup 0 --concurrency 1 --json >/dev/null 2>&1 && break
  sleep 0.2
done

serve() { $BIN/edgeinfer bench serve "${tls[@]}" --text dev/serve-sentences.txt --json "$@"; }
results="$work/results.jsonl"
for round in $(seq "$REPEAT"); do
  for model in minilm_b1 minilm minilm_b1_t2 minilm_t2; do
    echo "round $round: $model, concurrency $CONCURRENCY, ${DURATION}s" >&2
    serve --model $model --concurrency "$CONCURRENCY" --duration "$DURATION" | tee -a "$results"
  done
done
touch "$results"
python3 - "$results" <<'PY'
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
for suffix, threads in (("", 1), ("_t2", 2)):
    base = [r for r in rows if r["model"] == "minilm_b1" + suffix]
    batched = [r for r in rows if r["model"] == "minilm" + suffix]
    for b, d in zip(base, batched):
        print(f"threads {threads}: throughput {d['throughput']:.1f}/s vs {b['throughput']:.1f}/s = "
              f"{d['throughput'] / b['throughput']:.2f}x; p99 {d['p99_ms']:.1f} ms vs {b['p99_ms']:.1f} ms")
PY

# Overload, for short sentences and for passages of eight sentences: the closed-loop capacity of
# minilm_shed, then 5x that offered at a fixed rate with 250 ms deadlines, and the node's
# resident memory meanwhile.
rss() { awk '/VmRSS/ {print $2}' /proc/$node_pid/status; }
for text in dev/serve-sentences.txt dev/serve-passages.txt; do
  capacity=$($BIN/edgeinfer bench serve "${tls[@]}" --text "$text" --json --model minilm_shed --concurrency "$CONCURRENCY" --duration "$DURATION" \
    | python3 -c "import json,sys; print(json.load(sys.stdin)['throughput'])")
  rate=${RATE:-$(python3 -c "print(round(5 * $capacity))")}
  echo "overload ($text): capacity $capacity/s, offered $rate/s, 250 ms deadlines, rss before $(rss) kB" >&2
  ( for _ in $(seq $((DURATION * 4))); do rss; sleep 0.25; done ) > "$work/rss.txt" &
  sampler=$!
  $BIN/edgeinfer bench serve "${tls[@]}" --text "$text" --json --model minilm_shed --rate "$rate" --concurrency 4096 \
    --duration "$DURATION" --timeout-ms 250
  wait $sampler
  echo "rss during overload: min $(sort -n "$work/rss.txt" | head -1) kB, max $(sort -n "$work/rss.txt" | tail -1) kB, after $(rss) kB" >&2
done
