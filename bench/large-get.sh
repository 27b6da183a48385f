#!/usr/bin/env bash
# GET of one large value (64 KiB by default) through the Redis front, against redis-server and
# against a build of fkvs whose replies are copied (the reference tree, e.g. the main branch
# built elsewhere): redis-benchmark, 50 clients, pipeline 1 and 16, runs interleaved, servers
# pinned to core 0 and the load to core 1. Prints each run (requests/s and the server's CPU
# microseconds per request, from /proc/<pid>/stat), then medians and ratios.
# Usage: bench/large-get.sh <copy-tree> [runs=3] [value bytes=65536] [requests=100000] [pipelines="1 16"]
# On a shared machine, under the exclusive lock: /work/wt/cpu-exclusive bench/large-get.sh ...
set -euo pipefail
cd "$(dirname "$0")/.."
copy_tree=${1:?usage: bench/large-get.sh <copy-tree> [runs] [value bytes] [requests]}
runs=${2:-3}
size=${3:-65536}
n=${4:-100000}
pipelines=${5:-1 16}
free_port() { node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }
dir=$(mktemp -d)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null; rm -rf "$dir"' EXIT
declare -A port pid
start_fkvs() { # name tree
  local p
  p=$(free_port)
  (cd "$2" && exec taskset -c 0 node bin/fkvs-server --port "$(free_port)" --resp-port "$p" --maxmemory 1gb) >"$dir/$1.log" 2>&1 &
  pid[$1]=$!
  port[$1]=$p
  pids+=("$!")
}
start_fkvs pinned .
start_fkvs copy "$copy_tree"
port[redis]=$(free_port)
taskset -c 0 redis-server --port "${port[redis]}" --save '' --appendonly no --protected-mode no >"$dir/redis.log" 2>&1 &
pid[redis]=$!
pids+=("$!")
for _ in $(seq 100); do
  grep -q 'allocator: ' "$dir/pinned.log" && grep -q 'allocator: ' "$dir/copy.log" &&
    grep -q 'Ready to accept' "$dir/redis.log" && break
  sleep 0.1
done
grep -q 'allocator: ' "$dir/pinned.log" "$dir/copy.log" || { cat "$dir"/*.log >&2; exit 1; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
ticks_per_second=$(getconf CLK_TCK)
for server in pinned copy redis; do
  taskset -c 1 redis-benchmark -p "${port[$server]}" -c 50 -n 1000 -d "$size" -t set >/dev/null 2>&1
done
echo "server,pipeline,run,rps,cpu_us_per_request"
for run in $(seq "$runs"); do
  for pipeline in $pipelines; do
    for server in pinned copy redis; do
      before=$(cpu_ticks "${pid[$server]}")
      rps=$(taskset -c 1 redis-benchmark -p "${port[$server]}" -c 50 -P "$pipeline" -n "$n" -d "$size" -t get --csv 2>/dev/null |
        awk -F'"' 'NR>1 {print $4}')
      after=$(cpu_ticks "${pid[$server]}")
      echo "$server,$pipeline,$run,$rps,$(awk -v t=$((after - before)) -v hz="$ticks_per_second" -v n="$n" 'BEGIN {printf "%.2f", t / hz * 1e6 / n}')"
    done
  done
done | tee "$dir/runs.csv"
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo
echo "pipeline,server,median_rps,median_cpu_us_per_request,rps_vs_redis"
for pipeline in $pipelines; do
  r=$(awk -F, -v p="$pipeline" '$1=="redis" && $2==p {print $4}' "$dir/runs.csv" | median)
  for server in pinned copy redis; do
    f=$(awk -F, -v s="$server" -v p="$pipeline" '$1==s && $2==p {print $4}' "$dir/runs.csv" | median)
    c=$(awk -F, -v s="$server" -v p="$pipeline" '$1==s && $2==p {print $5}' "$dir/runs.csv" | median)
    echo "$pipeline,$server,$f,$c,$(awk -v f="$f" -v r="$r" 'BEGIN {printf "%.2f", f / r}')"
  done
done
