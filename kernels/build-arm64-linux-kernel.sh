#!/bin/sh
# Cross-builds the seed's M-series arm64 Linux kernel on an x86_64 (or any) Linux host, and
# optionally OpenZFS kernel modules for it. Used by `kbench build --os debian-arm64` and by
# custom-os/debian-arm64 (which hashes this file's text into its cache key).
#
# Base config: `make virtconfig` (arch/arm64 defconfig + arch/arm64/configs/virt.config, the
# upstream "virtualization guest" merge: every SoC platform off), then the fragments merged with
# scripts/kconfig/merge_config.sh -- the seed's alpine-m-series.config and arm64-qemu-guest.config
# (hardware a virtio guest never has, plus QEMU virt's power button) -- `make olddefconfig`,
# `make mod2noconfig` (no in-tree modules: everything the guest needs is =y, and OpenZFS is
# out of tree), and the survival check of build-alpine-kernel.sh --check-config for every
# fragment (each requested option must be in the final .config). Measured on Linux 6.12.117:
# defconfig+virt.config+fragment is ~1,670 =y and ~290 =m options; this is ~1,350 =y and none,
# and the QEMU `virt` machine still has everything it boots from built in (virtio-pci/blk/net/
# console, PCI host generic, PL011, EFI/ACPI, ext4), so root=/dev/vda needs no initramfs.
#
# Lines starting with "KBENCH-STEP" are progress for the harness.
set -eu
prog=build-arm64-linux-kernel.sh
here=$(cd "$(dirname "$0")" && pwd)

usage() {
  cat <<EOF
usage: $prog --source LINUX_TARBALL_OR_DIR --out DIR [options]
       $prog --zfs-only --out DIR --zfs-src ZFS_SOURCE_DIR [--jobs N]

Builds arch/arm64/boot/Image and modules into DIR:
  DIR/build/            kernel object tree (kept: out-of-tree modules build against it)
  DIR/Image             uncompressed arm64 Image (EFI stub; boots with -kernel or from UEFI)
  DIR/config            final .config
  DIR/modules.tar.gz    lib/modules/<release>/ (modules.builtin*, plus zfs with --zfs-src)
  DIR/release           kernel release string (make kernelrelease)
  DIR/build-seconds     wall seconds of the kernel build
  DIR/SHA256SUMS

options:
  --fragment FILE        fragment to merge and check (repeatable; default: alpine-m-series.config
                         and arm64-qemu-guest.config)
  --page-size 16k|4k     4k replaces the fragment's page-size lines (to measure that lever alone)
  --zfs-src DIR          OpenZFS source tree (e.g. /usr/src/zfs-2.3.2 of zfs-dkms): build its
                         modules against the new kernel and add them to modules.tar.gz
  --zfs-only             only (re)build OpenZFS against an existing DIR/build
  --jobs N               parallel make jobs (default: number of CPUs)
  --cross PREFIX         cross-compiler prefix (default: aarch64-linux-gnu-; empty on arm64)
EOF
}

die() {
  echo "$prog: $*" >&2
  exit 2
}

source_arg=""
out=""
fragments=""
page_size=16k
zfs_src=""
zfs_only=0
jobs=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)
if [ "$(uname -m)" = aarch64 ]; then cross=""; else cross=aarch64-linux-gnu-; fi
while [ $# -gt 0 ]; do
  case $1 in
    --source) [ $# -ge 2 ] || die "--source needs a value"; source_arg=$2; shift ;;
    --out) [ $# -ge 2 ] || die "--out needs a value"; out=$2; shift ;;
    --fragment) [ $# -ge 2 ] || die "--fragment needs a value"; fragments="$fragments $2"; shift ;;
    --page-size) [ $# -ge 2 ] || die "--page-size needs a value"; page_size=$2; shift ;;
    --zfs-src) [ $# -ge 2 ] || die "--zfs-src needs a value"; zfs_src=$2; shift ;;
    --zfs-only) zfs_only=1 ;;
    --jobs) [ $# -ge 2 ] || die "--jobs needs a value"; jobs=$2; shift ;;
    --cross) [ $# -ge 2 ] || die "--cross needs a value"; cross=$2; shift ;;
    -h | --help) usage; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
  shift
done
[ -n "$out" ] || die "--out is required"
case $page_size in 16k | 4k) ;; *) die "--page-size: expected 16k or 4k, got '$page_size'" ;; esac
case $jobs in '' | *[!0-9]* | 0) die "--jobs: expected a positive number, got '$jobs'" ;; esac
[ -n "$fragments" ] || fragments="$here/alpine-m-series.config $here/arm64-qemu-guest.config"
for f in $fragments; do [ -f "$f" ] || die "fragment not found: $f"; done
[ -z "$zfs_src" ] || [ -f "$zfs_src/configure" ] || die "--zfs-src: no configure script in '$zfs_src'"
if [ "$zfs_only" = 1 ]; then
  [ -n "$zfs_src" ] || die "--zfs-only needs --zfs-src"
  [ -f "$out/build/.config" ] || die "--zfs-only: no kernel tree at $out/build (build the kernel first)"
else
  [ -n "$source_arg" ] || die "--source is required"
  [ -e "$source_arg" ] || die "--source: not found: $source_arg"
fi
command -v "${cross}gcc" >/dev/null || die "cross compiler ${cross}gcc not found (apt-get install gcc-aarch64-linux-gnu)"

export ARCH=arm64 CROSS_COMPILE="$cross"
mkdir -p "$out"
out=$(cd "$out" && pwd)
build="$out/build"
src="$out/src"
if [ "$zfs_only" = 1 ]; then step_total=2; else step_total=6; fi
[ -z "$zfs_src" ] || [ "$zfs_only" = 1 ] || step_total=7
step_no=0
step() {
  step_no=$((step_no + 1))
  echo "KBENCH-STEP $step_no $step_total $*"
}

if [ "$zfs_only" = 0 ]; then
  step "unpack kernel source from $source_arg"
  rm -rf "$src" "$build"
  mkdir -p "$src" "$build"
  if [ -d "$source_arg" ]; then
    cp -a "$source_arg/." "$src/"
  else
    tar -xf "$source_arg" -C "$src" --strip-components=1
  fi
  [ -f "$src/Makefile" ] || die "--source: no Makefile at the top of $source_arg"

  step "base config: make virtconfig (defconfig + virt.config)"
  make -s -C "$src" O="$build" virtconfig
  # The page-size override is one more fragment merged last, so it wins.
  merge_list=$fragments
  if [ "$page_size" = 4k ]; then
    printf 'CONFIG_ARM64_4K_PAGES=y\n# CONFIG_ARM64_16K_PAGES is not set\n' >"$out/page-size-4k.config"
    merge_list="$merge_list $out/page-size-4k.config"
  fi
  step "merge fragment(s): $merge_list; olddefconfig; mod2noconfig; survival check"
  # shellcheck disable=SC2086 # the fragment list is space-separated paths
  (cd "$build" && "$src/scripts/kconfig/merge_config.sh" -m -O "$build" "$build/.config" $merge_list >"$out/merge.log")
  make -s -C "$src" O="$build" olddefconfig
  make -s -C "$src" O="$build" mod2noconfig
  for f in $fragments; do
    sh "$here/build-alpine-kernel.sh" --check-config "$build/.config" --fragment "$f" --page-size "$page_size" ||
      die "the fragment $f was not applied as written; see the list above"
  done

  step "make -j$jobs Image modules (the long part)"
  started=$(date +%s)
  make -s -C "$src" O="$build" -j"$jobs" Image modules
  echo $(($(date +%s) - started)) >"$out/build-seconds"
  make -s -C "$src" O="$build" kernelrelease >"$out/release"
  cp "$build/arch/arm64/boot/Image" "$out/Image"
  cp "$build/.config" "$out/config"
  # The source is only needed again for out-of-tree modules, which use $build (it links back
  # to $src): keep both, they are the cache.
fi

release=$(cat "$out/release")
staging="$out/modules-staging"
if [ "$zfs_only" = 0 ]; then
  step "modules_install for $release"
  rm -rf "$staging"
  make -s -C "$src" O="$build" INSTALL_MOD_PATH="$staging" INSTALL_MOD_STRIP=1 DEPMOD=true modules_install
fi

if [ -n "$zfs_src" ]; then
  step "OpenZFS $(basename "$zfs_src") kernel modules against $release"
  zbuild="$out/zfs-build"
  rm -rf "$zbuild"
  cp -a "$zfs_src" "$zbuild"
  # Kernel-only configure: userland (zfsutils) comes from the distribution. ARCH and
  # CROSS_COMPILE are in the environment, so the configure tests build against the arm64 tree.
  (cd "$zbuild" && ./configure --with-config=kernel --host="${cross%-}" \
    --with-linux="$src" --with-linux-obj="$build" >"$out/zfs-configure.log" 2>&1) ||
    { tail -20 "$out/zfs-configure.log" >&2; die "OpenZFS configure failed (log $out/zfs-configure.log)"; }
  make -s -C "$zbuild" -j"$jobs" >"$out/zfs-make.log" 2>&1 ||
    { tail -20 "$out/zfs-make.log" >&2; die "OpenZFS module build failed (log $out/zfs-make.log)"; }
  dest="$staging/lib/modules/$release/updates/zfs"
  rm -rf "$dest"
  mkdir -p "$dest"
  find "$zbuild/module" -name '*.ko' -exec cp {} "$dest/" \;
  "${cross}strip" --strip-debug "$dest"/*.ko
  [ -f "$dest/zfs.ko" ] || die "OpenZFS build produced no zfs.ko"
fi

step "modules.tar.gz and SHA256SUMS"
# depmod reads foreign-architecture modules fine; the guest's own depmod would do the same.
depmod -b "$staging" "$release"
tar -czf "$out/modules.tar.gz" -C "$staging" lib
(cd "$out" && sha256sum Image config modules.tar.gz >SHA256SUMS)
echo "$prog: done: $release, Image $(wc -c <"$out/Image") bytes"
