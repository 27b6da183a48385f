#!/usr/bin/env bash
# Builds the small initramfs that boots a test guest: a static busybox, the modules that mount the
# host's / over virtio-9p with a tmpfs overlay (taken from the unpacked kernel package, in the order
# their depends= lines give; no depmod), and initramfs-init.sh as /init.
#
#   make-initramfs.sh <unpacked-kernel-dir> <output.cpio.gz>
set -euo pipefail
unpacked=$1 out=$2
here=$(cd "$(dirname "$0")" && pwd)
busybox=$(command -v busybox)
modules_dir=$(ls -d "$unpacked"/lib/modules/*)
wanted=(virtio_pci 9pnet_virtio 9p overlay)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/bin" "$work/modules" "$work/newroot" "$work/lower" "$work/rw"
cp "$busybox" "$work/bin/busybox"
cp "$here/initramfs-init.sh" "$work/init"
chmod +x "$work/init"

# The module file of a name (dashes and underscores are the same to the kernel), or "" if built in.
module_file() {
  local pattern=${1//[-_]/[-_]}
  find "$modules_dir/kernel" -regex ".*/$pattern\.ko\(\.xz\|\.zst\)?" | head -1
}
module_text() {
  case $1 in
    *.xz) xz -dc "$1" ;;
    *.zst) zstd -qdc "$1" ;;
    *) cat "$1" ;;
  esac
}
declare -A loaded=()
order=0
# Depth first: a module's dependencies go in before it.
add_module() {
  local name=$1 file dep
  [ -z "${loaded[$name]:-}" ] || return 0
  loaded[$name]=1
  file=$(module_file "$name")
  if [ -z "$file" ]; then
    grep -Eq "/${name//[-_]/[-_]}\.ko$" "$modules_dir/modules.builtin" ||
      { echo "make-initramfs: module $name is neither in $modules_dir nor built in" >&2; exit 1; }
    return 0
  fi
  module_text "$file" >"$work/module.ko"
  for dep in $(tr '\0' '\n' <"$work/module.ko" | sed -n 's/^depends=//p' | tr ',' ' '); do
    add_module "$dep"
  done
  order=$((order + 1))
  module_text "$file" >"$work/modules/$(printf '%02d' "$order")-$name.ko"
}
for name in "${wanted[@]}"; do add_module "$name"; done
rm -f "$work/module.ko"

(cd "$work" && find . | busybox cpio -o -H newc 2>/dev/null) | gzip -1 >"$out"
