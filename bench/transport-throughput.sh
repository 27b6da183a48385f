#!/usr/bin/env bash
# Throughput of both backends in one run, as issue 4 asks: server pinned to core 0, fkvs-benchmark
# pinned to core 1, 50 connections; SET of the fixed 5-byte key/value at pipeline 128 and 1, SET of
# unique random keys at pipeline 128. Prints one line per (run, backend, case) and the medians.
# Run it under /work/wt/measure-run (or any quiet machine): bench/transport-throughput.sh [runs]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
port=${FKVS_BENCH_PORT:-17995}
# Requests per case: about two seconds each at the rates seen here.
cases=("set-P128:-t set -P 128 -n 4000000" "set-P1:-t set -P 1 -n 400000" "set-random-P128:-t set -r -P 128 -n 2000000")
results=$(mktemp)
for run in $(seq 1 "$runs"); do
  for backend in io_uring epoll; do
    use=$([ "$backend" = io_uring ] && echo true || echo false)
    for entry in "${cases[@]}"; do
      name=${entry%%:*}
      # A fresh server per case: the random-key case must not measure a table the others grew.
      taskset -c 0 node bin/fkvs-server --save '' --port "$port" --resp-port 0 --use-io-uring "$use" --maxmemory 2gb >/dev/null 2>&1 &
      server=$!
      for _ in $(seq 1 100); do (echo >/dev/tcp/127.0.0.1/"$port") 2>/dev/null && break; sleep 0.05; done
      # shellcheck disable=SC2086
      rps=$(taskset -c 1 node bin/fkvs-benchmark -p "$port" -c 50 ${entry#*:} --json |
        node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const r=JSON.parse(s);if(r.failed)process.exit(1);console.log(Math.round(r.requestsPerSecond))})')
      kill "$server"
      wait "$server" || true
      echo "run $run $backend $name $rps" | tee -a "$results"
    done
  done
done
echo "medians of $runs runs (req/s):"
for backend in io_uring epoll; do
  for entry in "${cases[@]}"; do
    name=${entry%%:*}
    median=$(awk -v b="$backend" -v c="$name" '$3==b && $4==c {print $5}' "$results" | sort -n |
      awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}')
    echo "$backend $name $median"
  done
done
rm -f "$results"
