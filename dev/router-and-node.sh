# Sourced by dev/bench-router.sh and dev/router-cost.sh: a release edge-router and one release
# edge-node behind it on loopback over TLS, with a fresh PKI, stopped when the script exits.
# Sets: BIN, certs (folder), base (router client port; cluster port base+1, node port base+2),
# router_pid, node_pid. LOG_LEVEL picks the services' log level (default warning).
BIN=.build/release
work=$(mktemp -d)
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

$BIN/edgeinfer certs init --out "$work/certs" --nodes 1 >/dev/null
certs=$work/certs
base=$((20000 + RANDOM % 20000))
$BIN/edge-router --location 50.11,8.68 --listen 127.0.0.1:$base --cluster-listen 127.0.0.1:$((base + 1)) \
  --ca $certs/ca.pem --cert $certs/router.pem --key $certs/router-key.pem --log-level "${LOG_LEVEL:-warning}" &
router_pid=$!
pids+=($router_pid)
$BIN/edge-node --id node-1 --location 48.85,2.35 --listen 127.0.0.1:$((base + 2)) --models models \
  --router 127.0.0.1:$((base + 1)) --ca $certs/ca.pem --cert $certs/node-1.pem --key $certs/node-1-key.pem \
  --log-level "${LOG_LEVEL:-warning}" &
node_pid=$!
pids+=($node_pid)
