#!/usr/bin/env bash
# Overload through the router: one release edge-router and one edge-node over TLS, the node
# serving minilm with dynamic batching, two threads and a bounded queue (max_queue_size 64). For
# eight-sentence passages and then short sentences: the closed-loop capacity through the router,
# then FACTOR times that offered at a fixed rate (open loop, at most 4096 outstanding) with
# DEADLINE_MS deadlines, the router's and the node's resident memory sampled every 250 ms.
# With KEY_RATE=N the client calls with an API key limited to N requests a second (burst N/10),
# so the router refuses the excess before it costs the node anything.
# WIRE picks how the load generator sends (`bench serve --wire`): link (default: a raw HTTP/2
# unary call per request, so the generator leaves the cores to the router and node) or grpc.
# Usage: dev/overload.sh [DURATION_S] [FACTOR]   (needs `make models` and
# `swift build -c release --product edgeinfer --product edge-router --product edge-node`)
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-15}
FACTOR=${2:-10}
DEADLINE_MS=${DEADLINE_MS:-250}
BIN=.build/release
[ -f models/minilm/config.pbtxt ] || { echo "models/minilm is missing: make models" >&2; exit 1; }
for tool in edgeinfer edge-router edge-node; do
  [ -x $BIN/$tool ] || { echo "build release $tool first" >&2; exit 1; }
done

work=$(mktemp -d)
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

$BIN/edgeinfer certs init --out "$work/certs" --nodes 1 >/dev/null
certs="$work/certs"
mkdir -p "$work/models/minilm"
for version in models/minilm/[0-9]*; do ln -s "$PWD/$version" "$work/models/minilm/$(basename "$version")"; done
sed 's/^dynamic_batching.*/dynamic_batching { max_queue_delay_microseconds: 2000 default_queue_policy { max_queue_size: 64 } }/' \
  models/minilm/config.pbtxt > "$work/models/minilm/config.pbtxt"
echo 'parameters { key: "threads" value { string_value: "2" } }' >> "$work/models/minilm/config.pbtxt"

port=$((20000 + RANDOM % 20000))
key_args=()
capacity_key_args=()
if [ -n "${KEY_RATE:-}" ]; then
  # The capacity is measured with an unlimited key, the overload sent with the limited one.
  key=$($BIN/edgeinfer keys create --file "$work/keys.json" --name load --rate "$KEY_RATE" --burst $(( (KEY_RATE + 9) / 10 )) 2>/dev/null | grep -o 'ei_[A-Za-z0-9_-]*' | head -1)
  unlimited=$($BIN/edgeinfer keys create --file "$work/keys.json" --name capacity 2>/dev/null | grep -o 'ei_[A-Za-z0-9_-]*' | head -1)
  key_args=(--api-key "$key")
  capacity_key_args=(--api-key "$unlimited")
  router_keys=(--api-keys "$work/keys.json")
fi
$BIN/edge-router --location 48.85,2.35 --listen 127.0.0.1:$port --cluster-listen 127.0.0.1:$((port + 1)) \
  --ca "$certs/ca.pem" --cert "$certs/router.pem" --key "$certs/router-key.pem" ${router_keys[@]+"${router_keys[@]}"} \
  --metrics-listen 127.0.0.1:$((port + 3)) --log-level warning &
router_pid=$!
pids+=($router_pid)
$BIN/edge-node --id node-1 --location 48.85,2.35 --listen 127.0.0.1:$((port + 2)) --models "$work/models" --capacity 4096 \
  --router 127.0.0.1:$((port + 1)) --ca "$certs/ca.pem" --cert "$certs/node-1.pem" --key "$certs/node-1-key.pem" \
  --log-level warning &
node_pid=$!
pids+=($node_pid)
tls=(--target 127.0.0.1:$port --ca "$certs/ca.pem" --model minilm --json --wire "${WIRE:-link}")
for _ in $(seq 150); do
  $BIN/edgeinfer bench serve "${tls[@]}" ${capacity_key_args[@]+"${capacity_key_args[@]}"} --text dev/serve-sentences.txt --duration 0.2 --warmup 0 --concurrency 1 >/dev/null 2>&1 && break
  sleep 0.2
done

rss() { awk '/VmRSS/ {print $2}' /proc/$1/status; }
summary() {
  python3 - "$1" "$2" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
rss = [line.split() for line in open(sys.argv[2])]
router = [int(x[0]) for x in rss]; node = [int(x[1]) for x in rss]
ports = [set(filter(None, x[2].split(","))) if len(x) > 2 else set() for x in rss]
g = lambda key: r.get(key, "-")  # latency fields are absent when nothing of their kind came back
print(f"  offered {r['rate']:.0f}/s for {r['duration_s']:.0f} s: ok {r['ok']} ({r['throughput']:.1f}/s), ok p50/p99/p99.9/max "
      f"{g('p50_ms')} / {g('p99_ms')} / {g('p999_ms')} ms, failed {r['failed']} {r['failures']}, unsent {r['unsent']}, never answered {r['stuck']}")
print(f"  refusals p99 {g('refusal_p99_ms')} ms; DEADLINE_EXCEEDED distance from the deadline p99 / max "
      f"{g('deadline_exceeded_error_p99_ms')} / {g('deadline_exceeded_error_max_ms')} ms")
print(f"  resident memory: router {router[0]/1024:.1f} -> max {max(router)/1024:.1f} MB, node {node[0]/1024:.1f} -> max {max(node)/1024:.1f} MB")
print(f"  router->node connections: {len(ports[0])} at the start, {len(set().union(*ports))} seen during the run")
for status, example in r['failure_examples'].items(): print(f"  {status}: {example[:160]}")
PY
}
for text in ${TEXTS:-dev/serve-passages.txt dev/serve-sentences.txt}; do
  # Capacity with a deadline-free closed loop, at the concurrency the batcher fills batches with.
  capacity=$($BIN/edgeinfer bench serve "${tls[@]}" ${capacity_key_args[@]+"${capacity_key_args[@]}"} --text "$text" --concurrency 32 --duration "$DURATION" \
    | python3 -c "import json,sys; print(json.load(sys.stdin)['throughput'])")
  rate=$(python3 -c "print(round($FACTOR * $capacity))")
  echo "$text: capacity through the router $capacity/s; offering $rate/s (${FACTOR}x) with ${DEADLINE_MS} ms deadlines" >&2
  # Connections the router opened to the node: distinct local ports of established TCP
  # connections to the node's port, sampled with the memory (a torn-down connection is replaced
  # by one on a new port).
  node_port_hex=$(printf '%04X' $((port + 2)))
  ( while kill -0 $router_pid 2>/dev/null; do
      echo "$(rss $router_pid) $(rss $node_pid) $(awk -v p=":$node_port_hex" '$3 ~ p"$" && $4 == "01" {split($2, a, ":"); printf "%s,", a[2]}' /proc/net/tcp)"
      sleep 0.25
    done ) > "$work/rss.txt" &
  sampler=$!
  # CPU seconds each process spends while the overload runs: the load generator shares the
  # cores, and what it spends bounds what is left for the router and node to serve with.
  cpu() { awk '{print $14 + $15}' /proc/$1/stat; }
  router_cpu=$(cpu $router_pid); node_cpu=$(cpu $node_pid)
  TIMEFORMAT='%U %S'
  { time $BIN/edgeinfer bench serve "${tls[@]}" ${key_args[@]+"${key_args[@]}"} --text "$text" --rate "$rate" --concurrency 4096 --duration "$DURATION" \
    --timeout-ms "$DEADLINE_MS" > "$work/run.json"; } 2> "$work/generator-time.txt"
  tick=$(getconf CLK_TCK)
  python3 - "$(cpu $router_pid)" "$router_cpu" "$(cpu $node_pid)" "$node_cpu" "$tick" "$(tail -1 "$work/generator-time.txt")" "$DURATION" <<'PY'
import os, sys
router = (int(sys.argv[1]) - int(sys.argv[2])) / int(sys.argv[5]); node = (int(sys.argv[3]) - int(sys.argv[4])) / int(sys.argv[5])
generator = sum(float(x) for x in sys.argv[6].split())
print(f"  CPU while overloaded ({sys.argv[7]} s on {os.cpu_count()} cores): load generator {generator:.1f} s, router {router:.1f} s, node {node:.1f} s")
PY
  kill $sampler 2>/dev/null || true
  wait $sampler 2>/dev/null || true
  summary "$work/run.json" "$work/rss.txt"
  python3 - $((port + 3)) <<'PY'
import sys, urllib.request
text = urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/metrics", timeout=5).read().decode()
counts = {line.split("{")[0]: line.split()[-1] for line in text.splitlines() if line.startswith("edge_router_") and "_total" in line}
print("  router so far: " + ", ".join(f"{name.removeprefix('edge_router_').removesuffix('_total')} {value}" for name, value in counts.items()))
PY
  kill -0 $router_pid && kill -0 $node_pid && echo "  router and node still running" || { echo "a process died" >&2; exit 1; }
done
