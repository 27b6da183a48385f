#!/usr/bin/env bash
# Downloads one Debian kernel package and unpacks it (never installs it: no initramfs or bootloader
# hooks run on this machine). Uses a private apt directory per suite, so the host's sources and
# package state are untouched and no root is needed. Cached: a second run downloads nothing.
#
#   fetch-kernel.sh <cache-dir> <suite> <meta-package>   e.g. ~/.cache/fkvs-kernels bullseye linux-image-amd64
#
# Prints the directory the package was unpacked into (it holds boot/vmlinuz-* and lib/modules/*).
set -euo pipefail
cache=$1 suite=$2 meta=$3
mirror=${FKVS_DEBIAN_MIRROR:-http://deb.debian.org}
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
# An apt index older than this is refreshed: Debian's security suites drop superseded kernels.
index_max_age_minutes=$((24 * 60))

apt_dir=$cache/apt/$suite
mkdir -p "$apt_dir/etc/sources.list.d" "$apt_dir/etc/preferences.d" "$apt_dir/etc/apt.conf.d" \
  "$apt_dir/lists/partial" "$apt_dir/archives/partial"
touch "$apt_dir/status"
cat >"$apt_dir/etc/sources.list" <<SOURCES
deb [signed-by=$keyring] $mirror/debian $suite main
deb [signed-by=$keyring] $mirror/debian-security $suite-security main
SOURCES
apt_options=(
  -o "Dir::Etc=$apt_dir/etc" -o "Dir::State=$apt_dir" -o "Dir::State::Lists=$apt_dir/lists"
  -o "Dir::State::status=$apt_dir/status" -o "Dir::Cache=$apt_dir" -o "Dir::Cache::archives=$apt_dir/archives"
  -o APT::Architecture=amd64 -o Debug::NoLocking=1 -o Acquire::Retries=3
  -o APT::Sandbox::User=root # its files are ours; apt drops to _apt only when run as root anyway
)
if [ -z "$(find "$apt_dir/lists" -maxdepth 1 -name '*_Packages*' -mmin -"$index_max_age_minutes" 2>/dev/null)" ]; then
  echo "fetch-kernel: apt-get update for $suite" >&2
  apt-get "${apt_options[@]}" update -qq >&2
fi

# The meta-package names the current versioned image (linux-image-6.1.0-47-amd64): take that one.
package=$(apt-cache "${apt_options[@]}" depends "$meta" | sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*\)$/\1/p' | head -1)
if [ -z "$package" ]; then
  echo "fetch-kernel: $meta in $suite names no linux-image package" >&2
  exit 1
fi
unpacked=$cache/unpacked/$package
if [ ! -f "$unpacked/.complete" ]; then
  echo "fetch-kernel: downloading $package ($suite)" >&2
  (cd "$apt_dir/archives" && apt-get "${apt_options[@]}" download -q "$package" >&2)
  deb=$(ls -t "$apt_dir/archives/${package}_"*.deb | head -1)
  rm -rf "$unpacked"
  mkdir -p "$unpacked"
  dpkg-deb -x "$deb" "$unpacked"
  rm -f "$deb"  # the unpacked tree is what is kept
  touch "$unpacked/.complete"
fi
echo "$unpacked"
