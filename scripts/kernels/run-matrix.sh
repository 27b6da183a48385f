#!/usr/bin/env bash
# npm run test:kernels: boots each kernel of a small matrix of Debian kernels under qemu with software
# emulation (no KVM needed) and runs fkvs's transport and server tests inside, on each rung of the
# io_uring feature ladder the kernel has and on epoll (scripts/kernels/guest-run.mjs). One line per
# kernel and configuration; exit 1 when anything failed or the matrix could not run at all.
#
#   scripts/kernels/run-matrix.sh [--only <word>] [--run <script>]
#     --only 5.10     only the kernels whose package name contains the word
#     --run <script>  boot the kernels and run that shell script inside instead of the tests
#   FKVS_KERNELS=skip   say SKIPPED and exit 0: the one way to not run it (never silently)
#   FKVS_KERNEL_CACHE   downloads and unpacked kernels (default ~/.cache/fkvs-kernels)
#
# The guest's root is the host's / (read-only over virtio-9p, tmpfs overlay on top), so it runs
# this checkout as built on the host: build first (npm run build). Kernels are downloaded with a
# private apt directory (fetch-kernel.sh) and unpacked, never installed.
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD
here=$repo/scripts/kernels
cache=${FKVS_KERNEL_CACHE:-$HOME/.cache/fkvs-kernels}

# suite, meta-package, what fkvs must do there, then how many tests (full files or a smoke subset)
# on io_uring's default rung and on epoll; lower io_uring rungs always get the smoke subset. The
# full io_uring files run on the oldest kernel with every feature (6.1; the host's 6.18 runs them in
# npm test), the full epoll files on the kernel that falls back to it (5.10): what fits CI's time.
matrix=(
  "bullseye linux-image-amd64 fallback-old-kernel - full" # Debian 11: 5.10
  "bookworm linux-image-amd64 io_uring full smoke"        # Debian 12: 6.1
  # Debian 12's 6.12 (Debian 13's kernel): DEFER_TASKRUN stalls there, so the addon starts at COOP_TASKRUN
  "bookworm linux-image-6.12-amd64 io_uring-no-defer smoke smoke"
)
# Per kernel: a guard against a hung guest, not a budget (a loaded machine takes 3-4 times longer).
kernel_timeout_s=900
guest_memory_mb=2048

only="" run_script=""
while [ $# -gt 0 ]; do
  case $1 in
    --only) only=$2; shift 2 ;;
    --run) run_script=$(readlink -f "$2"); shift 2 ;;
    *) echo "usage: $0 [--only <word>] [--run <script>]" >&2; exit 2 ;;
  esac
done

if [ "${FKVS_KERNELS:-}" = skip ]; then
  echo "test:kernels: SKIPPED (FKVS_KERNELS=skip): no kernel was tested"
  exit 0
fi
cannot_run() {
  echo "test:kernels: FAILED: this machine cannot run the kernel matrix: $*" >&2
  echo "test:kernels: (FKVS_KERNELS=skip skips it explicitly)" >&2
  exit 1
}

# What it needs: qemu, a static busybox for the initramfs, and apt/dpkg for the downloads.
missing=()
command -v qemu-system-x86_64 >/dev/null || missing+=(qemu-system-x86)
busybox=$(command -v busybox || true)
# ldd fails on a static binary, which is what the initramfs needs.
[ -n "$busybox" ] && [[ "$(ldd "$busybox" 2>&1 || true)" == *"not a dynamic"* ]] || missing+=(busybox-static)
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  echo "test:kernels: installing ${missing[*]}"
  { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null; } || cannot_run "could not install ${missing[*]} with apt-get"
fi
for tool in qemu-system-x86_64 apt-get dpkg-deb xz gzip; do
  command -v "$tool" >/dev/null || cannot_run "$tool is missing"
done
[ -d dist/test/server ] || cannot_run "nothing built: run npm run build first"

mkdir -p "$cache/logs"
failed=0
kernels_run=0
started=$(date +%s)
for entry in "${matrix[@]}"; do
  read -r suite meta expect io_uring_scope epoll_scope <<<"$entry"
  kernel_started=$(date +%s)
  unpacked=$("$here/fetch-kernel.sh" "$cache" "$suite" "$meta") ||
    cannot_run "could not download $meta from Debian $suite"
  package=$(basename "$unpacked")
  # --only matches the package name too, which only the download names (5.10, 6.1.0...).
  if [ -n "$only" ] && [[ "$package $suite $meta" != *"$only"* ]]; then continue; fi
  kernels_run=$((kernels_run + 1))
  initramfs=$cache/logs/$package.initramfs.gz
  "$here/make-initramfs.sh" "$unpacked" "$initramfs"
  log=$cache/logs/$package.log
  append="console=ttyS0 quiet loglevel=3 panic=-1 fkvs.repo=$repo fkvs.io_uring=$io_uring_scope fkvs.epoll=$epoll_scope"
  [ -z "$run_script" ] || append="$append fkvs.run=$run_script"
  set +e
  timeout --kill-after=10 "$kernel_timeout_s" qemu-system-x86_64 \
    -accel tcg,thread=multi -cpu max -smp 2 -m "$guest_memory_mb" \
    -nodefaults -no-reboot -display none -monitor none -serial stdio \
    -kernel "$unpacked"/boot/vmlinuz-* -initrd "$initramfs" -append "$append" \
    -fsdev "local,id=hostroot,path=/,security_model=none,readonly=on,multidevs=remap" \
    -device virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot \
    </dev/null 2>&1 | sed -u 's/\r$//' | tee "$log" | grep --line-buffered -a '^fkvs-kernel\|^fkvs-guest'
  status=${PIPESTATUS[0]}
  set -e
  if [ -n "$run_script" ]; then cat "$log"; continue; fi
  result="passed"
  if [ "$status" = 124 ] || [ "$status" = 137 ]; then
    result="FAILED (timed out after $kernel_timeout_s s)"
  elif ! grep -aq '^fkvs-kernel: .* ALL PASSED in ' "$log"; then
    result="FAILED"
  elif [ "$expect" = fallback-old-kernel ] && ! grep -aq '^fkvs-kernel: .* epoll fallback (old kernel)' "$log"; then
    result="FAILED (expected the epoll fallback naming the old kernel)"
  elif [ "$expect" = io_uring ] && ! grep -aq '^fkvs-kernel: .* io_uring\[single_issuer defer_taskrun multishot_accept multishot_recv buf_ring\] [0-9]' "$log"; then
    result="FAILED (expected io_uring with every feature on the default rung)"
  elif [ "$expect" = io_uring-no-defer ] && ! grep -aq '^fkvs-kernel: .* io_uring\[coop_taskrun multishot_accept multishot_recv buf_ring\] [0-9]' "$log"; then
    result="FAILED (expected io_uring from COOP_TASKRUN on the default rung, DEFER_TASKRUN left out)"
  fi
  [ "$result" = passed ] || failed=1
  echo "test:kernels: $package (Debian $suite): $result in $(($(date +%s) - kernel_started)) s (console: $log)"
done
if [ "$kernels_run" = 0 ]; then
  echo "test:kernels: FAILED: no kernel of the matrix matched --only $only" >&2
  exit 1
fi
echo "test:kernels: $([ $failed = 0 ] && echo passed || echo FAILED) in $(($(date +%s) - started)) s"
exit $failed
