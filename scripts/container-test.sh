#!/usr/bin/env bash
# Builds the fkvs image with podman and checks it for real (npm run test:container; not part of
# npm test: it needs root, podman and a few minutes):
#   1. default seccomp profile: one log line names the cause and the fix, the server serves on epoll,
#      and fkvs-cli and fkvs-benchmark on the host reach it through a port published on 127.0.0.1;
#   2. the shipped profile deploy/seccomp-io-uring.json and a mounted config file: INFO reports io_uring;
#   3. podman healthcheck run passes on both, and fails when the server does not answer;
#   4. podman stop: SIGTERM to the server (PID 1) ends it within the stop timeout with exit code 0,
#      and an idle connected client sees its connection closed.
# Exits non-zero at the first failed check. Environment: FKVS_IMAGE (tag to build),
# FKVS_CONTAINER_TEST_PORT (first of three host ports), NPM_CONFIG_REGISTRY / NODE_EXTRA_CA_CERTS
# (default: npm's registry and cafile settings) for the build's npm.
set -euo pipefail
cd "$(dirname "$0")/.."

image=${FKVS_IMAGE:-localhost/fkvs-container-test}
port=${FKVS_CONTAINER_TEST_PORT:-15995}
base=docker.io/library/node:20-bookworm-slim
stop_timeout_s=10
ready_timeout_s=20
bench_requests=20000
names=(fkvs-ct-default fkvs-ct-io-uring fkvs-ct-unhealthy)
work=$(mktemp -d)

fail() {
  echo "container-test: FAIL: $*" >&2
  exit 1
}
ok() { echo "container-test: ok: $*"; }
cleanup() {
  exec 3<&- 2>/dev/null || true
  remove_containers
  rm -rf "$work"
}
remove_containers() {
  for name in "${names[@]}"; do podman rm -f -i -t 0 "$name" >/dev/null 2>&1 || true; done
}
trap cleanup EXIT
remove_containers # left over from an interrupted run

command -v podman >/dev/null || fail "podman is not installed (Debian/Ubuntu: apt-get install podman; run as root)"
for program in fkvs-cli fkvs-benchmark; do
  [ -f "bin/$program" ] || fail "bin/$program is missing: the image's health check and this test use it"
done
[ -f dist/src/server/main.js ] || fail "build first: npm run build (the host's fkvs-cli and fkvs-benchmark are used)"
if ! podman image exists "$base" && ! podman pull -q "$base" >/dev/null; then
  fail "base image $base is missing and cannot be pulled. Pull it where an image registry is reachable
(podman pull $base, or podman load a saved copy). Without any registry, build it locally: debootstrap
--variant=minbase bookworm into a directory, 'tar -C dir -c . | podman import - docker.io/library/debian:bookworm-slim',
then FROM that image copy this machine's Node 20 to /usr/local (bin/node, lib/node_modules/npm with
bin/npm and bin/npx links, headers in /usr/local/include/node), add user node (uid 1000) and tag the
result $base."
fi

# The build's npm reaches the registry the host's npm uses, with the same extra CA bundle.
registry=${NPM_CONFIG_REGISTRY:-$(npm config get registry)}
ca=${NODE_EXTRA_CA_CERTS:-$(npm config get cafile)}
build_args=(--pull=never --format docker --build-arg "NPM_CONFIG_REGISTRY=$registry")
if [ -n "$ca" ] && [ "$ca" != null ] && [ "$ca" != undefined ]; then
  build_args+=(-v "$ca:$ca:ro" --build-arg "NODE_EXTRA_CA_CERTS=$ca")
fi
# --format docker: the OCI image format has no HEALTHCHECK, and podman drops it there.
echo "container-test: building $image (podman build ${build_args[*]} -t $image .)"
started=$SECONDS
podman build "${build_args[@]}" -t "$image" . >"$work/build.log" 2>&1 || {
  tail -40 "$work/build.log" >&2
  fail "podman build failed"
}
size=$(podman image inspect "$image" --format '{{.Size}}')
ok "image built in $((SECONDS - started)) s, $((size / 1000000)) MB (base $base: $(($(podman image inspect "$base" --format '{{.Size}}') / 1000000)) MB)"

user=$(podman image inspect "$image" --format '{{.Config.User}}')
[ -n "$user" ] && [ "$user" != root ] && [ "$user" != 0 ] || fail "image runs as '$user', expected a non-root user"
podman image inspect "$image" --format '{{json .Config.Healthcheck}}' | grep -q 'fkvs-cli.*--non-interactive' ||
  fail "image has no HEALTHCHECK with fkvs-cli --non-interactive"
tools='for t in cc gcc g++ c++ clang make; do command -v "$t" && exit 0; done; exit 1'
if podman run --rm --entrypoint sh "$image" -c "$tools" 2>/dev/null; then
  fail "the runtime image contains a compiler or make"
fi
ok "image user '$user', HEALTHCHECK with fkvs-cli --non-interactive, no compiler in the runtime stage"

# run <name> <host port> [podman run options...] -- [server arguments...]; waits until it serves.
run() {
  local name=$1 host_port=$2
  shift 2
  local options=()
  while [ "$1" != -- ]; do
    options+=("$1")
    shift
  done
  shift
  # podman logs errors about healthcheck timers where systemd is not PID 1: kept out of the output.
  podman run -d --name "$name" -p "127.0.0.1:$host_port:5995" "${options[@]}" "$image" "$@" \
    >"$work/$name.run.log" 2>&1 || {
    cat "$work/$name.run.log" >&2
    fail "podman run $name failed"
  }
  for _ in $(seq $((ready_timeout_s * 10))); do
    podman logs "$name" 2>&1 | grep -q 'Ready to accept connections' && return 0
    [ "$(podman inspect "$name" --format '{{.State.Running}}')" = true ] || break
    sleep 0.1
  done
  podman logs "$name" >&2
  fail "$name did not become ready within $ready_timeout_s s"
}

cli() { node bin/fkvs-cli -h 127.0.0.1 "$@"; }
info() { printf 'INFO\nexit\n' | cli -p "$1"; }

echo "container-test: 1. default seccomp profile"
run fkvs-ct-default "$port" --
log=$(podman logs fkvs-ct-default 2>&1)
fallback=$(grep -c 'io_uring unavailable' <<<"$log" || true)
[ "$fallback" = 1 ] || fail "expected one 'io_uring unavailable' line, got $fallback:
$log"
line=$(grep 'io_uring unavailable' <<<"$log")
grep -Eq 'io_uring_setup returned (ENOSYS|EPERM).*serving on epoll\. Blocked by a seccomp filter.*kernel.io_uring_disabled is 0, so not that.*--security-opt seccomp=deploy/seccomp-io-uring.json' <<<"$line" ||
  fail "the fallback line does not name the cause (io_uring_setup ENOSYS/EPERM, seccomp) and the fix: $line"
grep -q 'event-loop-kind: epoll' <<<"$log" || fail "the server did not report event-loop-kind: epoll"
ok "one fallback line: ${line#* - }"
pong=$(cli -p "$port" --non-interactive) || fail "fkvs-cli --non-interactive exited $?"
[ "$pong" = '"PONG" ' ] || fail "fkvs-cli printed '$pong', expected '\"PONG\" '"
ok "fkvs-cli on the host through 127.0.0.1:$port: $pong"
bench=$(node bin/fkvs-benchmark -h 127.0.0.1 -p "$port" -n "$bench_requests" -c 4 -P 16 -t set) ||
  fail "fkvs-benchmark exited $?"
grep -Eq "^Completed: $bench_requests +Failed: 0$" <<<"$bench" || fail "fkvs-benchmark: $bench"
ok "fkvs-benchmark -n $bench_requests -c 4 -P 16 -t set: $(grep -o 'Throughput: .*' <<<"$bench") (not a measurement: shared machine)"
text=$(info "$port")
grep -q 'event_dispatcher_kind: epoll' <<<"$text" || fail "INFO does not report epoll: $text"
ok "INFO: event_dispatcher_kind: epoll"

echo "container-test: 2. shipped profile deploy/seccomp-io-uring.json, config from a mounted file"
printf '# mounted by container-test.sh\nevent-loop-max-events 4096\n' >"$work/server.conf"
chmod 644 "$work/server.conf"
run fkvs-ct-io-uring "$((port + 1))" --security-opt "seccomp=$PWD/deploy/seccomp-io-uring.json" \
  -v "$work/server.conf:/etc/fkvs/server.conf:ro" -- /etc/fkvs/server.conf
log=$(podman logs fkvs-ct-io-uring 2>&1)
! grep -q 'io_uring unavailable' <<<"$log" || fail "io_uring unavailable under the shipped profile: $log"
text=$(info "$((port + 1))")
grep -q 'event_dispatcher_kind: io_uring' <<<"$text" || fail "INFO does not report io_uring: $text"
grep -q 'config file: /etc/fkvs/server.conf' <<<"$text" || fail "INFO does not name the mounted config file"
grep -q 'event_loop_max_events: 4096' <<<"$text" || fail "the mounted config file was not applied"
ok "INFO: event_dispatcher_kind: io_uring, $(grep -o 'io_uring_features: .*' <<<"$text")"
ok "INFO: config file: /etc/fkvs/server.conf, event_loop_max_events: 4096"
bench=$(node bin/fkvs-benchmark -h 127.0.0.1 -p "$((port + 1))" -n "$bench_requests" -c 4 -P 16 -t set) ||
  fail "fkvs-benchmark exited $?"
grep -Eq "^Completed: $bench_requests +Failed: 0$" <<<"$bench" || fail "fkvs-benchmark on io_uring: $bench"
ok "fkvs-benchmark on io_uring: Completed: $bench_requests  Failed: 0"

echo "container-test: 3. health check"
for name in fkvs-ct-default fkvs-ct-io-uring; do
  podman healthcheck run "$name" >"$work/health.log" 2>&1 || {
    cat "$work/health.log" >&2
    fail "podman healthcheck run $name failed against a serving container"
  }
  ok "podman healthcheck run $name: healthy"
done
# The same check against a server on another port must fail, or the checks above prove nothing.
run fkvs-ct-unhealthy "$((port + 2))" -- --port 5996
if podman healthcheck run fkvs-ct-unhealthy >"$work/unhealthy.log" 2>&1; then
  fail "podman healthcheck run passed although nothing listens on 5995 in fkvs-ct-unhealthy"
fi
ok "podman healthcheck run: $(tr -d '\n' <"$work/unhealthy.log") when the server does not answer on 5995"
podman rm -f -i -t 0 fkvs-ct-unhealthy >/dev/null 2>&1

echo "container-test: 4. podman stop"
exec 3<>"/dev/tcp/127.0.0.1/$port" # a connected client, idle
for name in fkvs-ct-default fkvs-ct-io-uring; do
  started_ms=$(date +%s%3N)
  podman stop -t "$stop_timeout_s" "$name" >/dev/null 2>&1 || fail "podman stop $name failed"
  took_ms=$(($(date +%s%3N) - started_ms))
  code=$(podman inspect "$name" --format '{{.State.ExitCode}}')
  [ "$code" = 0 ] || fail "$name exited with $code after podman stop (137: SIGKILL after the timeout)"
  [ "$took_ms" -lt $((stop_timeout_s * 1000)) ] || fail "podman stop $name took $took_ms ms (timeout $stop_timeout_s s)"
  podman logs "$name" 2>&1 | grep -q 'SIGTERM received' || fail "$name did not log SIGTERM"
  ok "podman stop $name: SIGTERM logged, exit code 0 after $took_ms ms (timeout $stop_timeout_s s)"
done
status=0
read -r -t 2 -u 3 _ || status=$?
[ "$status" = 1 ] || fail "the idle client's connection to fkvs-ct-default was not closed (read status $status)"
exec 3<&-
ok "the idle client connected to fkvs-ct-default saw its connection closed"

if [ -f /usr/share/containers/seccomp.json ] && ! node scripts/gen-seccomp-profile.mjs --check >/dev/null 2>&1; then
  echo "container-test: note: this podman's default profile differs from the one deploy/seccomp-io-uring.json was made from; regenerate with node scripts/gen-seccomp-profile.mjs"
fi
echo "container-test: all checks passed in $SECONDS s"
