#!/bin/busybox sh
# /init of the test guest (busybox): loads the modules, mounts the host's / (virtio-9p, read-only)
# under a tmpfs overlay, brings lo up, and runs the guest test runner on that root as PID 1's child.
# The kernel command line gives fkvs.repo=<path of the repository on the host>.
/bin/busybox mkdir -p /proc /sys /dev
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t devtmpfs dev /dev
bb=/bin/busybox
fail() {
  echo "fkvs-guest: FAILED $*"
  echo o >/proc/sysrq-trigger
  $bb sleep 60
}
for module in /modules/*.ko; do
  $bb insmod "$module" || fail "insmod $module"
done
$bb mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=262144,cache=loose hostroot /lower ||
  fail "mount of the host's / over 9p"
$bb mount -t tmpfs -o size=1g tmpfs /rw
$bb mkdir -p /rw/upper /rw/work
$bb mount -t overlay overlay -o lowerdir=/lower,upperdir=/rw/upper,workdir=/rw/work /newroot ||
  fail "overlay mount"
$bb mount -t proc proc /newroot/proc
$bb mount -t sysfs sys /newroot/sys
$bb mount -t devtmpfs dev /newroot/dev
$bb mkdir -p /newroot/dev/shm /newroot/dev/pts
$bb mount -t tmpfs tmpfs /newroot/dev/shm
$bb mount -t devpts devpts /newroot/dev/pts
$bb ip link set lo up || fail "lo up"
repo=$($bb sed -n 's/.*fkvs\.repo=\([^ ]*\).*/\1/p' /proc/cmdline)
# A fresh /tmp for the tests, unless the repository itself is under the host's /tmp (a clone made
# there, as CI may): then /tmp stays the overlay of the host's, writable all the same.
case "$repo" in
  /tmp/*) ;;
  *) $bb mount -t tmpfs -o size=512m tmpfs /newroot/tmp ;;
esac
# fkvs.run=<script>: run that instead of the tests (run-matrix.sh --run, to look around in a guest).
run=$($bb sed -n 's/.*fkvs\.run=\([^ ]*\).*/\1/p' /proc/cmdline)
command="node scripts/kernels/guest-run.mjs"
[ -z "$run" ] || command="/bin/sh $run"
$bb umount /proc /dev
export PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin HOME=/root LANG=C.UTF-8
# Root in the guest; the same memlock limit as a login on the host, which the rings may count against.
exec $bb switch_root /newroot /bin/sh -c "ulimit -l 8192; cd '$repo' && $command; echo o > /proc/sysrq-trigger; sleep 60"
