#!/usr/bin/env bash
# What metrics and tracing cost requests: `digits` through a release edge-router and edge-node
# over TLS, with both off and on (both services with --metrics-listen, each page scraped every
# second as Prometheus would, at ten times its default rate, and with --otlp-endpoint: every
# request traced and its spans exported to a local OTLP collector, dev/otlp-collector.py),
# alternating, the same binaries. Each round starts a fresh pair, runs closed-loop load at concurrency 32 and then 1,
# and reads the router's and the node's CPU time from /proc around each run: CPU microseconds
# per request is the cost itself, steadier on a shared machine than throughput.
# Usage: [OTEL_TRACES_SAMPLER=… OTEL_TRACES_SAMPLER_ARG=…] dev/bench-observability.sh [DURATION_S] [ROUNDS]
# Needs `swift build -c release --product edgeinfer --product edge-router --product edge-node`,
# and Python's grpcio and opentelemetry-proto for the collector.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-10}
ROUNDS=${2:-3}
BIN=.build/release
for tool in edgeinfer edge-router edge-node; do
  [ -x $BIN/$tool ] || { echo "build release $tool first" >&2; exit 1; }
done
work=$(mktemp -d)
pids=()
stop_all() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  pids=()
}
collector=
trap 'stop_all; [ -n "$collector" ] && kill "$collector" 2>/dev/null; rm -rf "$work"' EXIT
$BIN/edgeinfer certs init --out "$work/certs" --nodes 1 >/dev/null
certs=$work/certs
results="$work/results.jsonl"
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); cores: $(nproc)" >&2
# OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG, when set, reach the services' exporters.
echo "trace sampler: ${OTEL_TRACES_SAMPLER:-parentbased_always_on (default)} ${OTEL_TRACES_SAMPLER_ARG:-}" >&2

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

run_pair() {  # $1: off|on
  local mode=$1 base=$((20000 + RANDOM % 20000))
  local router_metrics=() node_metrics=()
  collector=
  if [ "$mode" = on ]; then
    python3 dev/otlp-collector.py $((base + 5)) "$work/spans.json" &
    collector=$!
    # Listening before the services start: an exporter whose first export finds no collector
    # waits out its timeout and drops what piles up meanwhile.
    for _ in $(seq 100); do
      python3 -c "import socket; socket.create_connection(('127.0.0.1', $((base + 5))), 0.2)" 2>/dev/null && break
      sleep 0.1
    done
    router_metrics=(--metrics-listen 127.0.0.1:$((base + 3)) --otlp-endpoint http://127.0.0.1:$((base + 5)))
    node_metrics=(--metrics-listen 127.0.0.1:$((base + 4)) --otlp-endpoint http://127.0.0.1:$((base + 5)))
  fi
  $BIN/edge-router --location 50.11,8.68 --listen 127.0.0.1:$base --cluster-listen 127.0.0.1:$((base + 1)) \
    --ca $certs/ca.pem --cert $certs/router.pem --key $certs/router-key.pem --log-level warning ${router_metrics[@]+"${router_metrics[@]}"} &
  pids+=($!)
  $BIN/edge-node --id node-1 --location 48.85,2.35 --listen 127.0.0.1:$((base + 2)) --models models \
    --router 127.0.0.1:$((base + 1)) --ca $certs/ca.pem --cert $certs/node-1.pem --key $certs/node-1-key.pem \
    --log-level warning ${node_metrics[@]+"${node_metrics[@]}"} &
  pids+=($!)
  local client=(--target 127.0.0.1:$base --ca $certs/ca.pem --model digits --shape 1,64 --json)
  for _ in $(seq 100); do
    $BIN/edgeinfer bench serve "${client[@]}" --duration 0.2 --warmup 0 --concurrency 1 >/dev/null 2>&1 && break
    sleep 0.2
  done
  if [ "$mode" = on ]; then
    ( while true; do
        curl -s -o /dev/null http://127.0.0.1:$((base + 3))/metrics
        curl -s -o /dev/null http://127.0.0.1:$((base + 4))/metrics
        sleep 1
      done ) &
    pids+=($!)
  fi
  local router_pid=${pids[0]} node_pid=${pids[1]}
  for concurrency in 32 1; do
    local before_router before_node
    before_router=$(cpu_ticks $router_pid)
    before_node=$(cpu_ticks $node_pid)
    local run
    run=$($BIN/edgeinfer bench serve "${client[@]}" --concurrency $concurrency --duration "$DURATION")
    local router_ticks=$(( $(cpu_ticks $router_pid) - before_router )) node_ticks=$(( $(cpu_ticks $node_pid) - before_node ))
    echo "$run" | python3 -c "import json,sys,os; r=json.load(sys.stdin); t=os.sysconf('SC_CLK_TCK'); r['metrics']='$mode'; r['c']=$concurrency; r['router_cpu_us']=$router_ticks/t*1e6/max(1,r['ok']); r['node_cpu_us']=$node_ticks/t*1e6/max(1,r['ok']); print(json.dumps(r))" \
      | tee -a "$results" >&2
  done
  if [ "$mode" = on ]; then
    curl -s http://127.0.0.1:$((base + 3))/metrics | grep -c '^edge_router_requests_total{model="digits",code="OK"}' >/dev/null \
      || { echo "the router's page did not count the load" >&2; exit 1; }
  fi
  stop_all
  if [ -n "$collector" ]; then
    # The services flushed their last spans as they stopped; the collector writes its counts.
    kill "$collector"; wait "$collector" 2>/dev/null || true
    collector=
    echo "spans exported: $(cat "$work/spans.json")" >&2
    python3 -c "import json,sys; c=json.load(open('$work/spans.json')); sys.exit(0 if c.get('edge-router',0) > 0 and c.get('edge-node',0) > 0 else 1)" \
      || { echo "the collector received no spans from one of the services" >&2; exit 1; }
  fi
}

for round in $(seq "$ROUNDS"); do
  # ABBA: the order alternates, so a drift over the run (the machine's clock, its neighbours)
  # does not favour one side.
  order="off on"
  [ $((round % 2)) = 0 ] && order="on off"
  for mode in $order; do
    echo "round $round: metrics and tracing $mode" >&2
    run_pair $mode
  done
done
python3 - "$results" <<'PY'
import json, statistics, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
for c in (32, 1):
    off = [r for r in rows if r["c"] == c and r["metrics"] == "off"]
    on = [r for r in rows if r["c"] == c and r["metrics"] == "on"]
    for a, b in zip(off, on):
        print(f"c{c}: throughput {a['throughput']:.0f} -> {b['throughput']:.0f}/s ({(b['throughput'] / a['throughput'] - 1) * 100:+.1f}%), "
              f"p50 {a['p50_ms'] * 1000:.0f} -> {b['p50_ms'] * 1000:.0f} us ({(b['p50_ms'] - a['p50_ms']) * 1000:+.0f} us), "
              f"p99 {a['p99_ms'] * 1000:.0f} -> {b['p99_ms'] * 1000:.0f} us; failed {a['failed']} / {b['failed']}")
    t_off = statistics.median(r["throughput"] for r in off); t_on = statistics.median(r["throughput"] for r in on)
    p_off = statistics.median(r["p50_ms"] for r in off); p_on = statistics.median(r["p50_ms"] for r in on)
    print(f"c{c} medians: throughput {t_off:.0f} -> {t_on:.0f}/s ({(t_on / t_off - 1) * 100:+.1f}%), p50 {p_off * 1000:.0f} -> {p_on * 1000:.0f} us ({(p_on - p_off) * 1000:+.0f} us)")
    for side in ("router", "node"):
        c_off = statistics.median(r[f"{side}_cpu_us"] for r in off); c_on = statistics.median(r[f"{side}_cpu_us"] for r in on)
        print(f"c{c} {side} CPU per request (medians): {c_off:.1f} -> {c_on:.1f} us ({c_on - c_off:+.1f} us, {(c_on / c_off - 1) * 100:+.1f}%)")
PY
