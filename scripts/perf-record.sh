#!/usr/bin/env bash
# Profiles fkvs-server under load: starts it pinned to one core with Node's --perf-basic-prof (so
# JIT-compiled JS frames resolve), warms it up, records `perf record -g` (cpu-clock: works in VMs
# without hardware counters) while bin/fkvs-benchmark drives load from another core, then prints
# the top of `perf report` and writes a folded-stacks file for any flame-graph renderer.
#
#   scripts/perf-record.sh [--backend io_uring|epoll] [--workload set|get|ping|incr] [--random]
#                          [--pipeline N] [--clients N] [--requests N] [--frequency HZ]
#                          [--server-cores LIST] [--load-cores LIST] [--label NAME]
#
# Output in perf-out/: <label>.data (perf record), <label>.report.txt, <label>.folded.
set -euo pipefail
cd "$(dirname "$0")/.."

backend=io_uring
workload=set
random=
pipeline=128
clients=50
requests=10000000
frequency=999
server_cores=0
load_cores=1
label=

usage() { sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
  case "$1" in
    --backend) backend=$2; shift 2 ;;
    --workload) workload=$2; shift 2 ;;
    --random) random=-r; shift ;;
    --pipeline) pipeline=$2; shift 2 ;;
    --clients) clients=$2; shift 2 ;;
    --requests) requests=$2; shift 2 ;;
    --frequency) frequency=$2; shift 2 ;;
    --server-cores) server_cores=$2; shift 2 ;;
    --load-cores) load_cores=$2; shift 2 ;;
    --label) label=$2; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) echo "perf-record: unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
done
case "$backend" in io_uring | epoll) ;; *) echo "perf-record: --backend io_uring or epoll" >&2; exit 2 ;; esac
[ -n "$label" ] || label="$backend-$workload${random:+-random}-P$pipeline-c$clients"

command -v perf >/dev/null || { echo "perf-record: perf is missing (apt-get install linux-perf)" >&2; exit 1; }
[ -f dist/src/server/main.js ] && [ -f dist/src/benchmark/main.js ] ||
  { echo "perf-record: build first (npm run build)" >&2; exit 1; }

mkdir -p perf-out
data=perf-out/$label.data
port=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
log=$(mktemp)
server_pid=
perf_pid=
cleanup() {
  [ -z "$perf_pid" ] || kill -INT "$perf_pid" 2>/dev/null || true
  [ -z "$server_pid" ] || kill "$server_pid" 2>/dev/null || true
  rm -f "$log"
}
trap cleanup EXIT

taskset -c "$server_cores" node --perf-basic-prof --interpreted-frames-native-stack bin/fkvs-server \
  --port "$port" --resp-port 0 --save '' --use-io-uring "$([ "$backend" = io_uring ] && echo true || echo false)" >"$log" 2>&1 &
server_pid=$!
for _ in $(seq 100); do
  grep -q 'allocator: ' "$log" && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$log" >&2; exit 1; }
  sleep 0.1
done
grep -q "event-loop-kind: $backend" "$log" || { echo "perf-record: server is not on $backend:" >&2; cat "$log" >&2; exit 1; }

load() {
  taskset -c "$load_cores" node bin/fkvs-benchmark -p "$port" -c "$clients" -P "$pipeline" -t "$workload" $random -n "$1"
}
echo "perf-record: warm-up ($((requests / 5)) requests)"
load $((requests / 5)) >/dev/null

perf record -e cpu-clock -F "$frequency" -g -p "$server_pid" -o "$data" 2>"$log.perf" &
perf_pid=$!
sleep 0.5 # perf attaches
echo "perf-record: recording $backend, $workload${random:+ random keys}, P$pipeline, $clients clients, $requests requests"
load "$requests"
kill -INT "$perf_pid"
wait "$perf_pid" || true
perf_pid=
grep -v '^\[ perf record: \(Woken\|Captured\)' "$log.perf" >&2 || true
rm -f "$log.perf"

# Before the server exits: its /tmp/perf-<pid>.map names the JIT frames.
# JIT frames carry their file URL: keep the path below dist/.
shorten() { sed -E 's#file://[^ ]*/dist/##; s/[[:space:]]+$//'; }
report() { perf report -i "$data" --stdio --no-children -g none "$@" 2>/dev/null | grep -v '^$' | shorten; }
by_object=$(report --sort dso --percent-limit 0.5)
by_symbol=$(report --fields overhead,dso,sym --percent-limit 0.3)
printf '%s\n\n%s\n' "$by_object" "$by_symbol" >"perf-out/$label.report.txt"
perf script -i "$data" 2>/dev/null | shorten | node scripts/fold-perf.mjs >"perf-out/$label.folded"
kill "$server_pid"
wait "$server_pid" 2>/dev/null || true
rm -f "/tmp/perf-$server_pid.map" # taskset exec()s node: same pid
server_pid=

echo
grep -m1 '^# Samples' <<<"$by_object" || true
echo "== self time by object =="
grep -v '^#' <<<"$by_object" | head -12
echo "== self time by symbol (top 30) =="
grep -v '^#' <<<"$by_symbol" | head -30
echo
echo "perf-record: $data, perf-out/$label.report.txt, perf-out/$label.folded (flamegraph.pl or speedscope read it)"
