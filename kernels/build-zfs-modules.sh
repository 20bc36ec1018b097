#!/bin/sh
# Cross-builds the OpenZFS kernel modules (zfs.ko, spl.ko) from an OpenZFS source tree (zfs-dkms's
# /usr/src/zfs-*) against a configured Linux arm64 tree, e.g. the M-series kernel's DIR/src and
# DIR/build from build-arm64-linux-kernel.sh. Run by custom-os/debian-arm64/kernel.ts, which
# hashes this file's text and arm64-cross.sh's (sourced from beside it) into the modules' cache
# entry. Userland (zfsutils-linux) comes from Debian, so configure is kernel-only.
set -eu
prog="build-zfs-modules.sh"

usage() {
  cat <<EOF
usage: $prog --zfs-src DIR --linux SRC_TREE --linux-obj OBJ_TREE --out DIR [--jobs N] [--cross PREFIX]
  writes DIR/*.ko (debug info stripped) and DIR/build.log
EOF
}
# shellcheck source=kernels/arm64-cross.sh
. "$(dirname "$0")/arm64-cross.sh"

zfs_src="" linux="" linux_obj="" out=""
parse_options "--zfs-src:zfs_src --linux:linux --linux-obj:linux_obj --out:out --jobs:jobs --cross:cross" "$@"
[ -f "$zfs_src/configure" ] || die "--zfs-src: no configure script in '$zfs_src'"
[ -f "$linux/Makefile" ] || die "--linux: no Makefile in '$linux'"
[ -f "$linux_obj/.config" ] || die "--linux-obj: no .config in '$linux_obj'"
[ -n "$out" ] || die "--out is required"
check_jobs_and_cross

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
