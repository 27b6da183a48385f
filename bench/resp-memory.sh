#!/usr/bin/env bash
# Memory per key through RESP and through FKVS: a fresh fkvs-server (pinned to core 0) gets KEYS
# distinct keys of 32 bytes with 5-byte values from fkvs-benchmark -t set -r (core 1), once over
# FKVS and once over RESP (--resp); prints the growth of the server's RSS per key beyond the key
# and value bytes. The store is the same under both wires, so the two should agree.
# Usage: bench/resp-memory.sh [keys=10000000]
# Run it under the exclusive lock on a shared machine: /work/wt/cpu-exclusive bench/resp-memory.sh
set -euo pipefail
cd "$(dirname "$0")/.."
keys=${1:-10000000}
keyValueBytes=$((32 + 5))
settleSeconds=1
source bench/free-ports.sh
dir=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$dir"' EXIT
rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }

echo "wire,keys,rss_before_mib,rss_after_mib,bytes_per_key_beyond_key_and_value"
for wire in fkvs resp; do
  read -r fkvs_port resp_port < <(free_ports 2)
  taskset -c 0 node bin/fkvs-server --port "$fkvs_port" --resp-port "$resp_port" --maxmemory 4gb >"$dir/log" 2>&1 &
  pid=$!
  for _ in $(seq 100); do grep -q 'allocator: ' "$dir/log" && break; sleep 0.1; done
  sleep "$settleSeconds"
  before=$(rss_kib "$pid")
  if [ "$wire" = resp ]; then flags=(--resp -p "$resp_port"); else flags=(-p "$fkvs_port"); fi
  taskset -c 1 node bin/fkvs-benchmark "${flags[@]}" -t set -r -n "$keys" -c 50 -P 128 >"$dir/out" ||
    { cat "$dir/out" >&2; exit 1; }
  sleep "$settleSeconds"
  after=$(rss_kib "$pid")
  awk -v w="$wire" -v k="$keys" -v b="$before" -v a="$after" -v kv="$keyValueBytes" \
    'BEGIN {printf "%s,%d,%.1f,%.1f,%.1f\n", w, k, b / 1024, a / 1024, (a - b) * 1024 / k - kv}'
  kill "$pid"
  wait "$pid" 2>/dev/null || true
  pid=
done
