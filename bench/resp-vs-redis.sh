#!/usr/bin/env bash
# The Redis front against redis-server with the same client, redis-benchmark: 50 clients, SET and
# GET at each pipeline depth, runs interleaved (fkvs, redis, fkvs, ...), servers pinned to core 0
# and the load to core 1; prints each run, then medians and the ratio fkvs/redis.
# Usage: bench/resp-vs-redis.sh [runs=3] [requests at -P 1=200000] [requests at -P >1=2000000]
# Run it under the exclusive lock on a shared machine: flock -x /tmp/fkvs-cpu.lock bench/resp-vs-redis.sh
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
n1=${2:-200000}
nmany=${3:-2000000}
free_port() { node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }
fkvs_port=$(free_port)
resp_port=$(free_port)
redis_port=$(free_port)
dir=$(mktemp -d)
taskset -c 0 node bin/fkvs-server --save '' --port "$fkvs_port" --resp-port "$resp_port" --maxmemory 2gb >"$dir/fkvs.log" 2>&1 &
fkvs_pid=$!
taskset -c 0 redis-server --port "$redis_port" --save '' --appendonly no --protected-mode no >"$dir/redis.log" 2>&1 &
redis_pid=$!
trap 'kill "$fkvs_pid" "$redis_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 100); do
  grep -q 'allocator: ' "$dir/fkvs.log" && grep -q 'Ready to accept' "$dir/redis.log" && break
  sleep 0.1
done
grep -q 'allocator: ' "$dir/fkvs.log" || { cat "$dir/fkvs.log" >&2; exit 1; }
grep 'event-loop-kind' "$dir/fkvs.log"
echo "server,pipeline,test,run,rps"
for run in $(seq "$runs"); do
  for pipeline in 1 16 128; do
    n=$([ "$pipeline" = 1 ] && echo "$n1" || echo "$nmany")
    for server in fkvs redis; do
      port=$([ "$server" = fkvs ] && echo "$resp_port" || echo "$redis_port")
      taskset -c 1 redis-benchmark -p "$port" -c 50 -P "$pipeline" -n "$n" -t set,get --csv 2>/dev/null |
        awk -F'"' -v s="$server" -v p="$pipeline" -v r="$run" 'NR>1 {print s "," p "," $2 "," r "," $4}'
    done
  done
done | tee "$dir/runs.csv"
echo
echo "pipeline,test,fkvs_median_rps,redis_median_rps,ratio"
for pipeline in 1 16 128; do
  for t in SET GET; do
    f=$(awk -F, -v p="$pipeline" -v t="$t" '$1=="fkvs" && $2==p && $3==t {print $5}' "$dir/runs.csv" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
    r=$(awk -F, -v p="$pipeline" -v t="$t" '$1=="redis" && $2==p && $3==t {print $5}' "$dir/runs.csv" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
    echo "$pipeline,$t,$f,$r,$(awk -v f="$f" -v r="$r" 'BEGIN {printf "%.2f", f / r}')"
  done
done
