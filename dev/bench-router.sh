#!/usr/bin/env bash
# The router's added latency: the same closed-loop load through a release edge-router and
# straight to the node behind it, alternating, over TLS with pooled connections.
# Usage: dev/bench-router.sh [DURATION_S] [REPEAT] [CONCURRENCY] [MODEL]
# Needs `swift build -c release --product edgeinfer --product edge-router --product edge-node`.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-10}
REPEAT=${2:-3}
CONCURRENCY=${3:-4}
MODEL=${4:-digits}
. dev/router-and-node.sh
client=(--ca $certs/ca.pem --cert $certs/client.pem --key $certs/client-key.pem --model "$MODEL" --shape 1,64 --json)
for _ in $(seq 100); do
  $BIN/edgeinfer bench serve --target 127.0.0.1:$base "${client[@]}" --duration 0.2 --warmup 0 --concurrency 1 >/dev/null 2>&1 && break
  sleep 0.2
done
results="$work/results.jsonl"
for round in $(seq "$REPEAT"); do
  for target in direct router; do
    port=$([ $target = router ] && echo $base || echo $((base + 2)))
    echo "round $round: $target" >&2
    $BIN/edgeinfer bench serve --target 127.0.0.1:$port "${client[@]}" --concurrency "$CONCURRENCY" --duration "$DURATION" \
      | python3 -c "import json,sys; r=json.load(sys.stdin); r['target']='$target'; print(json.dumps(r))" | tee -a "$results"
  done
done
python3 - "$results" <<'PY'
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
direct = [r for r in rows if r["target"] == "direct"]
router = [r for r in rows if r["target"] == "router"]
for d, r in zip(direct, router):
    print(f"p50 {d['p50_ms']:.3f} -> {r['p50_ms']:.3f} ms (+{(r['p50_ms'] - d['p50_ms']) * 1000:.0f} us); "
          f"p99 {d['p99_ms']:.3f} -> {r['p99_ms']:.3f} ms (+{(r['p99_ms'] - d['p99_ms']) * 1000:.0f} us); "
          f"throughput {d['throughput']:.0f} -> {r['throughput']:.0f}/s; failed {d['failed']} / {r['failed']}")
PY
