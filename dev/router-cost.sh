#!/usr/bin/env bash
# Where the router's added latency goes: CPU seconds the router process spends per forwarded
# ModelInfer and per ServerLive (answered by the router itself: the cost of one gRPC call over
# TLS on the server side), with tritonclient as the client, one call at a time.
# With PLAINTEXT=1, one node alone over plaintext instead: what a trivial model (digits) costs
# beyond a ServerLive on the same connection, and the node's CPU for each.
# The floor line: the same ServerLive answered by `edgeinfer bench call-floor`, what a unary call
# over TLS costs a server on swift-nio-http2 with nothing else (what a hand-written path could reach).
# Usage: dev/router-cost.sh [CALLS]   (needs a release build of edgeinfer, edge-router, edge-node)
set -euo pipefail
cd "$(dirname "$0")/.."
CALLS=${1:-1000}
if [ "${PLAINTEXT:-0}" = 1 ]; then
  BIN=.build/release
  port=$((20000 + RANDOM % 20000))
  $BIN/edge-node --id node-1 --location 48.85,2.35 --listen 127.0.0.1:$port --models models --insecure --log-level error &
  node_pid=$!
  trap 'kill $node_pid 2>/dev/null; wait 2>/dev/null' EXIT
  python3 - "$CALLS" "$port" "$node_pid" <<'PY'
import os, statistics, sys, time
import numpy as np
import tritonclient.grpc as grpcclient

calls, port, node = int(sys.argv[1]), sys.argv[2], sys.argv[3]
tick = os.sysconf("SC_CLK_TCK")
def cpu(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / tick
client = grpcclient.InferenceServerClient(f"127.0.0.1:{port}")
pixels = grpcclient.InferInput("pixels", [1, 64], "FP32")
pixels.set_data_from_numpy(np.zeros((1, 64), np.float32))
for _ in range(200):
    try:
        client.infer("digits", [pixels]); break
    except Exception:
        time.sleep(0.1)
delay = client.get_model_config("digits").config.dynamic_batching.max_queue_delay_microseconds / 1e3
results = {}
for name, call in [("ServerLive", lambda: client.is_server_live()), ("ModelInfer digits", lambda: client.infer("digits", [pixels]))]:
    for _ in range(100): call()
    n0, latencies = cpu(node), []
    for _ in range(calls):
        t = time.perf_counter(); call(); latencies.append(time.perf_counter() - t)
    n1 = cpu(node)
    results[name] = statistics.median(latencies) * 1e3
    print(f"{name} straight to the node, plaintext: client p50 {results[name]:.3f} ms, "
          f"p99 {np.percentile(latencies, 99) * 1e3:.3f} ms; node CPU per call {(n1 - n0) / calls * 1e3:.3f} ms")
print(f"digits beyond ServerLive: {results['ModelInfer digits'] - results['ServerLive']:.3f} ms at p50 "
      f"(the model's configured queue delay: {delay:.3f} ms)")
PY
  exit 0
fi
LOG_LEVEL=error . dev/router-and-node.sh
# The floor: a server written on swift-nio-http2 alone, same TLS and client certificates, that
# answers every unary call without stream channels, tasks or decoding (edgeinfer bench call-floor).
$BIN/edgeinfer bench call-floor --listen 127.0.0.1:$((base + 5)) --ca $certs/ca.pem --cert $certs/router.pem \
  --key $certs/router-key.pem >/dev/null &
floor_pid=$!
pids+=($floor_pid)
python3 - "$CALLS" "$certs" "$base" "$router_pid" "$node_pid" "$floor_pid" <<'PY'
import os, statistics, sys, time
import numpy as np
import tritonclient.grpc as grpcclient

calls, certs, base, router, node, floor = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5], sys.argv[6]
tick = os.sysconf("SC_CLK_TCK")

def cpu(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / tick

def client(port):
    return grpcclient.InferenceServerClient(
        f"127.0.0.1:{port}", ssl=True, root_certificates=f"{certs}/ca.pem",
        private_key=f"{certs}/client-key.pem", certificate_chain=f"{certs}/client.pem")

pixels = grpcclient.InferInput("pixels", [1, 64], "FP32")
pixels.set_data_from_numpy(np.zeros((1, 64), np.float32))
for _ in range(200):
    try:
        client(base).infer("digits", [pixels]); break
    except Exception:
        time.sleep(0.1)

def measure(name, port, call):
    c = client(port)
    for _ in range(50): call(c)
    r0, n0, latencies = cpu(router), cpu(node), []
    for _ in range(calls):
        t = time.perf_counter(); call(c); latencies.append(time.perf_counter() - t)
    r1, n1 = cpu(router), cpu(node)
    print(f"{name}: client p50 {statistics.median(latencies) * 1e3:.3f} ms; CPU per call: "
          f"router {(r1 - r0) / calls * 1e3:.3f} ms, node {(n1 - n0) / calls * 1e3:.3f} ms")

measure("ServerLive at the router", base, lambda c: c.is_server_live())
c = client(base + 5)
for _ in range(50): c.is_server_live()
f0, latencies = cpu(floor), []
for _ in range(calls):
    t = time.perf_counter(); c.is_server_live(); latencies.append(time.perf_counter() - t)
print(f"ServerLive at the swift-nio-http2 floor (edgeinfer bench call-floor): client p50 "
      f"{statistics.median(latencies) * 1e3:.3f} ms; its CPU per call {(cpu(floor) - f0) / calls * 1e3:.3f} ms")
measure("ServerLive at the node", base + 2, lambda c: c.is_server_live())
measure("ModelInfer straight to the node", base + 2, lambda c: c.infer("digits", [pixels]))
measure("ModelInfer through the router", base, lambda c: c.infer("digits", [pixels]))
PY
