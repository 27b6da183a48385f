#!/usr/bin/env bash
# The Redis front against redis-server with the same clients: redis-benchmark and fkvs-benchmark
# --resp (the batching client), 50 clients, SET, GET and INCR at each pipeline depth, and SET with
# random keys at -P 128 (redis-benchmark -r 10000000; fkvs-benchmark -r, a fresh key per request).
# Runs interleaved (fkvs, redis, fkvs, ...), servers pinned to core 0 and the load to core 1.
# Prints each run with the load tool's CPU use (a client near 100% of its core measures itself,
# not the server), then medians and the ratio fkvs/redis per client.
# Usage: bench/resp-vs-redis.sh [runs=3] [requests at -P 1=200000] [requests at -P >1=2000000]
# Run it under the exclusive lock on a shared machine: /work/wt/cpu-exclusive bench/resp-vs-redis.sh
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

# One redis-benchmark run: prints "client,server,pipeline,test,run,rps,client_cpu_percent" per test.
redis_benchmark() { # server port pipeline n run tests [extra flags]
  local server=$1 port=$2 pipeline=$3 n=$4 run=$5 tests=$6
  shift 6
  /usr/bin/time -f '%P' -o "$dir/time" taskset -c 1 redis-benchmark -p "$port" -c 50 -P "$pipeline" -n "$n" -t "$tests" "$@" --csv 2>/dev/null >"$dir/out"
  local cpu
  cpu=$(tr -d '%' <"$dir/time")
  local label=$([ $# -gt 0 ] && echo "-r" || echo "")
  awk -F'"' -v s="$server" -v p="$pipeline" -v r="$run" -v c="$cpu" -v l="$label" \
    'NR>1 {print "redis-benchmark," s "," p "," $2 l "," r "," $4 "," c}' "$dir/out"
}

# One fkvs-benchmark --resp run: the same line; its CPU is its own getrusage over the timed phase.
batching() { # server port pipeline n run test [extra flags]
  local server=$1 port=$2 pipeline=$3 n=$4 run=$5 test=$6
  shift 6
  local label=$([ $# -gt 0 ] && echo "-r" || echo "")
  taskset -c 1 node bin/fkvs-benchmark --resp -p "$port" -c 50 -P "$pipeline" -n "$n" -t "$test" "$@" --json |
    node -e "const r=JSON.parse(require('fs').readFileSync(0,'utf8'));if(r.failed>0)process.exit(1);
      console.log(['fkvs-benchmark','$server',$pipeline,'${test^^}$label',$run,r.requestsPerSecond.toFixed(0),
        (100*r.cpuUs/1e6/r.elapsedSeconds).toFixed(0)].join(','))"
}

echo "client,server,pipeline,test,run,rps,client_cpu_percent"
for run in $(seq "$runs"); do
  for pipeline in 1 16 128; do
    n=$([ "$pipeline" = 1 ] && echo "$n1" || echo "$nmany")
    for server in fkvs redis; do
      port=$([ "$server" = fkvs ] && echo "$resp_port" || echo "$redis_port")
      # One test per redis-benchmark process, so that its CPU use is that test's.
      for test in set get incr; do redis_benchmark "$server" "$port" "$pipeline" "$n" "$run" "$test"; done
      [ "$pipeline" = 128 ] && redis_benchmark "$server" "$port" "$pipeline" "$n" "$run" set -r 10000000
      for test in set get incr; do batching "$server" "$port" "$pipeline" "$n" "$run" "$test"; done
      [ "$pipeline" = 128 ] && batching "$server" "$port" "$pipeline" "$n" "$run" set -r
    done
  done
done | tee "$dir/runs.csv"
echo
echo "client,pipeline,test,fkvs_median_rps,redis_median_rps,ratio,client_cpu_percent_fkvs,client_cpu_percent_redis"
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
for client in redis-benchmark fkvs-benchmark; do
  for pipeline in 1 16 128; do
    for t in SET GET INCR SET-r; do
      rows=$(awk -F, -v c="$client" -v p="$pipeline" -v t="$t" '$1==c && $3==p && $4==t' "$dir/runs.csv")
      [ -z "$rows" ] && continue
      f=$(echo "$rows" | awk -F, '$2=="fkvs" {print $6}' | median)
      r=$(echo "$rows" | awk -F, '$2=="redis" {print $6}' | median)
      fc=$(echo "$rows" | awk -F, '$2=="fkvs" {print $7}' | median)
      rc=$(echo "$rows" | awk -F, '$2=="redis" {print $7}' | median)
      echo "$client,$pipeline,$t,$f,$r,$(awk -v f="$f" -v r="$r" 'BEGIN {printf "%.2f", f / r}'),$fc,$rc"
    done
  done
done
