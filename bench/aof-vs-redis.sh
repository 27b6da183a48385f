#!/usr/bin/env bash
# The append-only log against redis-server's with the same client (redis-benchmark, 50 clients, SET):
# appendfsync everysec at -P 128 beside fkvs without persistence, and appendfsync always at -P 16;
# runs interleaved, servers pinned to core 0 and the load to core 1, logs in fresh temp directories
# on the same file system; prints each run, then medians and ratios.
# Usage: bench/aof-vs-redis.sh [runs=3] [requests at -P 128=2000000] [requests at -P 16=300000]
# Run it under the exclusive lock on a shared machine: /work/wt/cpu-exclusive bench/aof-vs-redis.sh
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
n128=${2:-2000000}
n16=${3:-300000}
free_port() { node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }
dir=$(mktemp -d)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null; rm -rf "$dir"' EXIT
declare -A port
start_fkvs() { # name, extra flags...
  local name=$1
  shift
  mkdir -p "$dir/$name"
  port[$name]=$(free_port)
  taskset -c 0 node bin/fkvs-server --port "$(free_port)" --resp-port "${port[$name]}" --maxmemory 2gb --dir "$dir/$name" "$@" >"$dir/$name.log" 2>&1 &
  pids+=($!)
}
start_redis() { # name, fsync
  mkdir -p "$dir/$1"
  port[$1]=$(free_port)
  taskset -c 0 redis-server --port "${port[$1]}" --dir "$dir/$1" --save '' --appendonly yes --appendfsync "$2" \
    --auto-aof-rewrite-percentage 0 --protected-mode no >"$dir/$1.log" 2>&1 &
  pids+=($!)
}
start_fkvs fkvs-off
start_fkvs fkvs-everysec --appendonly yes --appendfsync everysec
start_fkvs fkvs-always --appendonly yes --appendfsync always
start_redis redis-everysec everysec
start_redis redis-always always
for _ in $(seq 100); do
  ready=1
  for name in fkvs-off fkvs-everysec fkvs-always; do grep -q 'allocator: ' "$dir/$name.log" || ready=0; done
  for name in redis-everysec redis-always; do grep -q 'Ready to accept' "$dir/$name.log" || ready=0; done
  [ "$ready" = 1 ] && break
  sleep 0.1
done
grep -h 'event-loop-kind' "$dir/fkvs-off.log"
echo "server,pipeline,run,rps"
for run in $(seq "$runs"); do
  for name in fkvs-off fkvs-everysec redis-everysec; do
    taskset -c 1 redis-benchmark -p "${port[$name]}" -c 50 -P 128 -n "$n128" -t set --csv 2>/dev/null |
      awk -F'"' -v s="$name" -v r="$run" 'NR>1 {print s ",128," r "," $4}'
  done
  for name in fkvs-always redis-always; do
    taskset -c 1 redis-benchmark -p "${port[$name]}" -c 50 -P 16 -n "$n16" -t set --csv 2>/dev/null |
      awk -F'"' -v s="$name" -v r="$run" 'NR>1 {print s ",16," r "," $4}'
  done
done | tee "$dir/runs.csv"
median() { awk -F, -v s="$1" '$1==s {print $4}' "$dir/runs.csv" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo
echo "server,median_rps"
for name in fkvs-off fkvs-everysec redis-everysec fkvs-always redis-always; do echo "$name,$(median "$name")"; done
ratio() { awk -v a="$(median "$1")" -v b="$(median "$2")" 'BEGIN {printf "%.2f", a / b}'; }
echo "everysec P128: fkvs/fkvs-off $(ratio fkvs-everysec fkvs-off), fkvs/redis $(ratio fkvs-everysec redis-everysec)"
echo "always P16: fkvs/redis $(ratio fkvs-always redis-always)"
for name in fkvs-everysec fkvs-always; do grep -h 'Error\|MISCONF' "$dir/$name.log" || true; done
