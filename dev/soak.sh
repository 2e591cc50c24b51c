#!/usr/bin/env bash
# Soak: MINUTES of mixed load on a local cluster (release build; two routers, three nodes), with
# the resident memory of every process sampled every 10 s. Load: one-minute rounds alternating
# digits (64 clients, through the first router) and, when installed, minilm sentences (16
# clients, through the second). Prints failed requests per round, every process's memory at the
# end of each round, and its drift from the end of the first two minutes (warm-up) to the end.
# MALLOC_ARENA_MAX and other environment reach the cluster's processes. Not part of `make test`.
# Usage: dev/soak.sh [MINUTES]   (needs `swift build -c release`)
set -euo pipefail
cd "$(dirname "$0")/.."
MINUTES=${1:-10}
BIN=.build/release
work=$(mktemp -d)
cleanup() { [ -n "${cluster:-}" ] && kill -INT "$cluster" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
$BIN/edgeinfer cluster up --nodes 3 --routers 2 --dir "$work/cluster" > "$work/cluster.txt" 2>&1 &
cluster=$!
for _ in $(seq 600); do grep -q "^client" "$work/cluster.txt" 2>/dev/null && break; sleep 0.2; done
routers=($(awk '$1 ~ /^router/ {print $2}' "$work/cluster.txt"))
ca=$(awk '$1 == "ca" {print $2}' "$work/cluster.txt")
read -r cert key < <(awk '$1 == "client" {print $2, $3}' "$work/cluster.txt")
pids=$(pgrep -P "$cluster" | tr '\n' ' ')
echo "cluster: routers ${routers[*]}; processes $pids" >&2

sample() {
  while kill -0 "$cluster" 2>/dev/null; do
    for pid in $pids; do
      echo "$(date +%s) $pid $(cat /proc/$pid/comm 2>/dev/null) $(awk '/VmRSS/ {print $2}' /proc/$pid/status 2>/dev/null)"
    done >> "$work/rss.txt"
    sleep 10
  done
}
sample &
sampler=$!

common=(--ca "$ca" --cert "$cert" --key "$key" --warmup 0 --duration 60 --json --timeout-ms 5000)
start=$(date +%s)
warm=""
for round in $(seq "$MINUTES"); do
  if [ $((round % 2)) = 0 ] && [ -d models/minilm ]; then
    args=(--target "${routers[1]}" --model minilm --text dev/serve-sentences.txt --concurrency 16)
  else
    args=(--target "${routers[0]}" --model digits --shape 1,64 --concurrency 64)
  fi
  $BIN/edgeinfer bench serve "${args[@]}" "${common[@]}" > "$work/round.json"
  python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print(f'round {sys.argv[2]}: {r[\"model\"]} {r[\"throughput\"]:.0f}/s ok {r[\"ok\"]} failed {r[\"failed\"]} p99 {r[\"p99_ms\"]:.1f} ms', r['failures'] or '')" "$work/round.json" "$round"
  python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['failed'])" "$work/round.json" >> "$work/failed.txt"
  # Every process's memory at the end of each round, for the series below.
  for pid in $pids; do echo "$round $pid $(cat /proc/$pid/comm 2>/dev/null) $(awk '/VmRSS/ {print $2}' /proc/$pid/status 2>/dev/null)"; done >> "$work/rounds.txt"
  [ "$round" = 2 ] && warm=$(date +%s)
done
kill "$sampler" 2>/dev/null || true
python3 - "$work/rounds.txt" <<'PY'
import sys, collections
series = collections.defaultdict(list)
for line in open(sys.argv[1]):
    parts = line.split()
    if len(parts) == 4: series[(parts[1], parts[2])].append(int(parts[3]))
print("memory at the end of each round (MB):")
for (pid, name), points in sorted(series.items(), key=lambda item: item[0][1]):
    print(f"  {name} (pid {pid}): " + " ".join(f"{kb / 1024:.1f}" for kb in points))
PY
python3 - "$work/rss.txt" "${warm:-$start}" "$work/failed.txt" <<'PY'
import sys, collections
rows = [line.split() for line in open(sys.argv[1]) if len(line.split()) == 4]
warm = int(sys.argv[2])
failed = sum(int(x) for x in open(sys.argv[3]))
series = collections.defaultdict(list)
for t, pid, name, kb in rows:
    series[(pid, name)].append((int(t), int(kb)))
print(f"failed requests: {failed}")
for (pid, name), points in sorted(series.items(), key=lambda item: item[0][1]):
    after = [kb for t, kb in points if t >= warm] or [points[-1][1]]
    base, end, peak = after[0], points[-1][1], max(kb for _, kb in points)
    print(f"{name} (pid {pid}): {base / 1024:.1f} MB after warm-up -> {end / 1024:.1f} MB at the end "
          f"({(end - base) / base * 100:+.1f}%), peak {peak / 1024:.1f} MB")
PY
