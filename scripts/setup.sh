#!/usr/bin/env bash
# Sets up a fresh Debian 12 / Ubuntu 22.04+ machine to build, test and run fkvs: system packages
# (liburing-dev and a C++ toolchain; redis-server and redis-tools, which the persistence tests and
# bench:e2e run as the reference), npm ci, and the build. Safe to run again; sudo only when not root.
set -euo pipefail
cd "$(dirname "$0")/.."

# redis-tools (redis-cli, redis-benchmark) and redis-server: the Redis front's tests and benchmarks.
packages=(liburing-dev g++ make python3 pkg-config redis-tools redis-server)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  echo "setup: installing ${missing[*]}"
  $sudo apt-get update -qq
  if ! DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null; then
    echo "setup: could not install ${missing[*]}; continuing (without liburing the server runs on epoll only; without redis-server and redis-tools the persistence tests fail)" >&2
  fi
fi

# Build the addon against the headers of the Node that runs it, when they are installed, rather
# than letting node-gyp download them.
node_headers="$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")"
if [ -z "${npm_config_nodedir:-}" ] && [ -f "$node_headers/include/node/node_api.h" ]; then
  export npm_config_nodedir="$node_headers"
fi

npm ci --no-audit --no-fund
npm run build
echo "setup: done. Start the server with 'npm start'; run the tests with 'npm test'."
