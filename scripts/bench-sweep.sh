#!/usr/bin/env bash
# Throughput of fkvs-server against pipeline depth (1..256) for several client counts, on both
# backends; server on core 0, bin/fkvs-benchmark on core 1 (--server-cores/--load-cores to change),
# medians of --runs runs. Appends to bench-out/sweep.csv and redraws bench-out/sweep.svg, so a long
# sweep can be split: scripts/bench-sweep.sh --clients 1; scripts/bench-sweep.sh --clients 50 ...
#
#   scripts/bench-sweep.sh [--depths 1,2,4,...,256] [--clients 1,10,50] [--backends io_uring,epoll]
#                          [--workload set|get|ping|incr|set-random] [--runs 3] [--scale 0.5]
#                          [--out bench-out/sweep.csv] [--plot-only]
set -euo pipefail
cd "$(dirname "$0")/.."
case "${1:-}" in -h | --help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;; esac
[ -f dist/bench/sweep.js ] && [ -f dist/src/benchmark/main.js ] ||
  { echo "bench-sweep: build first (npm run build)" >&2; exit 1; }
mkdir -p bench-out
exec node dist/bench/sweep.js "$@"
