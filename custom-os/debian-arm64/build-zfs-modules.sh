#!/bin/sh
# Cross-builds the OpenZFS kernel modules (zfs.ko, spl.ko) from an OpenZFS source tree (zfs-dkms's
# /usr/src/zfs-*) against a configured Linux arm64 tree, e.g. the M-series kernel's DIR/src and
# DIR/build from kernels/build-arm64-linux-kernel.sh. Run by custom-os/debian-arm64/kernel.ts,
# which hashes this file's text into the modules' cache entry. Userland (zfsutils-linux) comes
# from Debian, so configure is kernel-only.
set -eu
prog="build-zfs-modules.sh"

usage() {
  cat <<EOF
usage: $prog --zfs-src DIR --linux SRC_TREE --linux-obj OBJ_TREE --out DIR [--jobs N] [--cross PREFIX]
  writes DIR/*.ko (debug info stripped) and DIR/build.log
EOF
}
die() {
  echo "$prog: $*" >&2
  exit 2
}

zfs_src="" linux="" linux_obj="" out=""
jobs=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)
if [ "$(uname -m)" = aarch64 ]; then cross=""; else cross=aarch64-linux-gnu-; fi
while [ $# -gt 0 ]; do
  case $1 in
    --zfs-src) [ $# -ge 2 ] || die "--zfs-src needs a value"; zfs_src=$2; shift ;;
    --linux) [ $# -ge 2 ] || die "--linux needs a value"; linux=$2; shift ;;
    --linux-obj) [ $# -ge 2 ] || die "--linux-obj needs a value"; linux_obj=$2; shift ;;
    --out) [ $# -ge 2 ] || die "--out needs a value"; out=$2; shift ;;
    --jobs) [ $# -ge 2 ] || die "--jobs needs a value"; jobs=$2; shift ;;
    --cross) [ $# -ge 2 ] || die "--cross needs a value"; cross=$2; shift ;;
    -h | --help) usage; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
  shift
done
[ -f "$zfs_src/configure" ] || die "--zfs-src: no configure script in '$zfs_src'"
[ -f "$linux/Makefile" ] || die "--linux: no Makefile in '$linux'"
[ -f "$linux_obj/.config" ] || die "--linux-obj: no .config in '$linux_obj'"
[ -n "$out" ] || die "--out is required"
case $jobs in '' | *[!0-9]* | 0) die "--jobs: expected a positive number, got '$jobs'" ;; esac
command -v "${cross}gcc" >/dev/null || die "cross compiler ${cross}gcc not found (apt-get install gcc-aarch64-linux-gnu)"

echo "KBENCH-STEP 1 2 OpenZFS $(basename "$zfs_src"): configure --with-config=kernel against $linux_obj"
mkdir -p "$out"
work="$out/work"
rm -rf "$work"
cp -a "$zfs_src" "$work"
# ARCH and CROSS_COMPILE in the environment make configure's test modules build for arm64 too.
export ARCH=arm64 CROSS_COMPILE="$cross"
(cd "$work" && ./configure --with-config=kernel --host="${cross%-}" --with-linux="$linux" --with-linux-obj="$linux_obj") >"$out/build.log" 2>&1 ||
  { tail -20 "$out/build.log" >&2; die "OpenZFS configure failed (log $out/build.log)"; }
echo "KBENCH-STEP 2 2 OpenZFS: make -j$jobs (modules)"
make -s -C "$work" -j"$jobs" >>"$out/build.log" 2>&1 || { tail -20 "$out/build.log" >&2; die "OpenZFS build failed (log $out/build.log)"; }
find "$work/module" -name '*.ko' -exec cp {} "$out/" \;
"${cross}strip" --strip-debug "$out"/*.ko
[ -f "$out/zfs.ko" ] || die "OpenZFS build produced no zfs.ko"
rm -rf "$work"
echo "$prog: done: $(find "$out" -maxdepth 1 -name "*.ko" | wc -l | tr -d " ") modules in $out"
