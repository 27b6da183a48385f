#!/usr/bin/env bash
# A/B of two builds of the Redis front, with redis-server in the same run: three servers pinned to
# core 0 (fkvs A, fkvs B, redis-server), the batching client (this checkout's fkvs-benchmark
# --resp, 50 clients) pinned to core 1, each case run against A, B and redis in turn, `runs` times.
# Prints every run with the server's CPU time per request (from /proc, steadier than req/s on a
# shared machine), then per case the medians and the ratios B/A, A/redis and B/redis.
# Usage: bench/resp-ab.sh <checkout A> <checkout B> [runs=3] [requests=2000000] [cases...]
#   a case is test:pipeline or test:pipeline:r (fresh keys); default set:16 get:16 incr:16
#   set:128 get:128 incr:128 set:128:r. Both checkouts must be built.
# Run it under the exclusive lock on a shared machine: /work/wt/cpu-exclusive bench/resp-ab.sh ...
set -euo pipefail
a=$(cd "$1" && pwd)
b=$(cd "$2" && pwd)
runs=${3:-3}
n=${4:-2000000}
shift $(($# < 4 ? $# : 4))
cases=("$@")
[ ${#cases[@]} -gt 0 ] || cases=(set:16 get:16 incr:16 set:128 get:128 incr:128 set:128:r)
cd "$(dirname "$0")/.."
source bench/free-ports.sh
dir=$(mktemp -d)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null; rm -rf "$dir"' EXIT
declare -A port pid fkvs_port
read -r port[A] fkvs_port[A] port[B] fkvs_port[B] port[redis] < <(free_ports 5)
for server in A B; do
  checkout=$([ "$server" = A ] && echo "$a" || echo "$b")
  taskset -c 0 node "$checkout/bin/fkvs-server" --save '' --port "${fkvs_port[$server]}" --resp-port "${port[$server]}" \
    --maxmemory 2gb >"$dir/$server.log" 2>&1 &
  pid[$server]=$!
  pids+=($!)
done
taskset -c 0 redis-server --port "${port[redis]}" --save '' --appendonly no --protected-mode no >"$dir/redis.log" 2>&1 &
pid[redis]=$!
pids+=($!)
for _ in $(seq 100); do
  grep -q 'allocator: ' "$dir/A.log" && grep -q 'allocator: ' "$dir/B.log" && grep -q 'Ready to accept' "$dir/redis.log" && break
  sleep 0.1
done
for server in A B; do grep -q 'allocator: ' "$dir/$server.log" || { cat "$dir/$server.log" >&2; exit 1; }; done
echo "A = $a ($(git -C "$a" rev-parse --short HEAD 2>/dev/null || echo copy)), B = $b ($(git -C "$b" rev-parse --short HEAD 2>/dev/null || echo copy)), $n requests a run"
# CPU time (user + system, clock ticks) a process used so far.
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)
echo "case,server,run,rps,server_cpu_us_per_request"
for run in $(seq "$runs"); do
  for c in "${cases[@]}"; do
    IFS=: read -r test pipeline random <<<"$c"
    for server in A B redis; do
      before=$(ticks "${pid[$server]}")
      taskset -c 1 node bin/fkvs-benchmark --resp -p "${port[$server]}" -c 50 -P "$pipeline" -n "$n" -t "$test" \
        ${random:+-r} --json >"$dir/out.json"
      used=$(($(ticks "${pid[$server]}") - before))
      # The server's CPU covers the tool's whole run (connecting, warm-up SET): a small overcount alike for all.
      node -e "const r=JSON.parse(require('fs').readFileSync('$dir/out.json','utf8'));if(r.failed>0)process.exit(1);
        console.log(['$c','$server',$run,r.requestsPerSecond.toFixed(0),(1e6*$used/$hz/$n).toFixed(3)].join(','))"
    done
  done
done | tee "$dir/runs.csv"
echo
echo "case,A_median_rps,B_median_rps,redis_median_rps,B/A,A/redis,B/redis,A_cpu_us_per_request,B_cpu_us_per_request,B/A_cpu"
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
for c in "${cases[@]}"; do
  m() { awk -F, -v c="$c" -v s="$1" -v f="$2" '$1==c && $2==s {print $f}' "$dir/runs.csv" | median; }
  ma=$(m A 4) mb=$(m B 4) mr=$(m redis 4) ca=$(m A 5) cb=$(m B 5)
  awk -v c="$c" -v a="$ma" -v b="$mb" -v r="$mr" -v ca="$ca" -v cb="$cb" \
    'BEGIN {printf "%s,%d,%d,%d,%.2f,%.2f,%.2f,%.3f,%.3f,%.2f\n", c, a, b, r, b / a, a / r, b / r, ca, cb, cb / ca}'
done
