#!/usr/bin/env bash
# Open-model tails over RESP, side by side: fkvs-benchmark --resp -R RATE -c 25 against the tool's
# own floor (bench/sink.c in resp mode: answers each PING with a pre-written +PONG at the cost of
# a read and a write), fkvs-server's Redis front and redis-server, one after the other, each
# pinned to core 0 with the load on core 1. The first CALIBRATION ms of each run are left out of
# the figures (as wrk2 does). Each run goes under node --trace-gc: the last column counts the
# tool's collections during the run (the schedule allocates nothing per request, so they are few).
# Usage: bench/resp-tails.sh [rate=50000] [seconds=20] [calibration ms=5000] [runs=1]
# Run it under the exclusive lock on a shared machine: /work/wt/cpu-exclusive bench/resp-tails.sh
set -euo pipefail
cd "$(dirname "$0")/.."
rate=${1:-50000}
seconds=${2:-20}
calibration=${3:-5000}
runs=${4:-1}
requests=$((rate * seconds))
source bench/free-ports.sh
dir=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$dir"' EXIT
cc -O2 -o "$dir/sink" bench/sink.c

# Starts one peer on core 0 and waits until it answers; sets pid and port.
start() { # sink|fkvs|redis
  read -r port fkvs_port < <(free_ports 2)
  case $1 in
    sink) taskset -c 0 "$dir/sink" "$port" resp >"$dir/$1.log" 2>&1 & ;;
    fkvs) taskset -c 0 node bin/fkvs-server --save '' --port "$fkvs_port" --resp-port "$port" >"$dir/$1.log" 2>&1 & ;;
    redis) taskset -c 0 redis-server --port "$port" --save '' --appendonly no >"$dir/$1.log" 2>&1 & ;;
  esac
  pid=$!
  for _ in $(seq 100); do
    grep -qE '^ready|allocator: |Ready to accept' "$dir/$1.log" 2>/dev/null && return
    sleep 0.1
  done
  cat "$dir/$1.log" >&2
  exit 1
}

echo "peer,run,achieved_rps,samples,p50_us,p90_us,p99_us,p999_us,p9999_us,max_us,tool_collections"
for run in $(seq "$runs"); do
  for peer in sink fkvs redis; do
    start "$peer"
    test=$([ "$peer" = sink ] && echo ping || echo get)
    taskset -c 1 node --trace-gc dist/src/benchmark/main.js --resp -p "$port" -t "$test" -c 25 -R "$rate" \
      -n "$requests" --calibration-ms "$calibration" --json >"$dir/out" 2>"$dir/err" || { cat "$dir/err" >&2; exit 1; }
    node -e "
      const lines=require('fs').readFileSync('$dir/out','utf8').split('\n');
      const r=JSON.parse(lines.find((l)=>l.startsWith('{')));
      const gc=lines.filter((l)=>/Scavenge|Mark-Compact|Mark-sweep/.test(l)).length;
      if(r.failed>0)process.exit(1);
      console.log(['$peer',$run,r.requestsPerSecond.toFixed(0),r.latencySamples,r.p50Us,r.p90Us,r.p99Us,r.p999Us,r.p9999Us,r.maxUs,gc].join(','))"
    kill "$pid"
    wait "$pid" 2>/dev/null || true
    pid=
  done
done
