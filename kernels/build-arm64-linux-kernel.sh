#!/bin/sh
# Cross-builds the seed's M-series arm64 Linux kernel on an x86_64 (or any) Linux host. Used by
# `kbench build --os debian-arm64` and by custom-os/debian-arm64 (which hashes this file's text
# and arm64-cross.sh's, sourced from beside it, into its cache key). OpenZFS for it is a separate
# step: build-zfs-modules.sh against DIR/build.
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
prog="build-arm64-linux-kernel.sh"
here=$(cd "$(dirname "$0")" && pwd)

usage() {
  cat <<EOF
usage: $prog --source LINUX_TARBALL_OR_DIR --out DIR [options]

Builds arch/arm64/boot/Image into DIR:
  DIR/src/, DIR/build/  kernel source and object tree (kept: out-of-tree modules build against them)
  DIR/Image             uncompressed arm64 Image (EFI stub; boots with -kernel or from UEFI)
  DIR/config            final .config
  DIR/modules.tar.gz    lib/modules/<release>/ (modules.builtin*, modules.order: no in-tree modules)
  DIR/release           kernel release string (make kernelrelease)
  DIR/build-seconds     wall seconds of make Image modules
  DIR/SHA256SUMS

options:
  --fragment FILE        fragment to merge and check (repeatable; default: alpine-m-series.config
                         and arm64-qemu-guest.config)
  --page-size 16k|4k     4k replaces the fragment's page-size lines (to measure that lever alone)
  --jobs N               parallel make jobs (default: number of CPUs)
  --cross PREFIX         cross-compiler prefix (default: aarch64-linux-gnu-; empty on arm64)
EOF
}

# shellcheck source=kernels/arm64-cross.sh
. "$here/arm64-cross.sh"

source_arg=""
out=""
fragments=""
page_size=16k
parse_options "--source:source_arg --out:out --fragment:+fragments --page-size:page_size --jobs:jobs --cross:cross" "$@"
[ -n "$out" ] || die "--out is required"
case $page_size in 16k | 4k) ;; *) die "--page-size: expected 16k or 4k, got '$page_size'" ;; esac
[ -n "$fragments" ] || fragments="$here/alpine-m-series.config $here/arm64-qemu-guest.config"
for f in $fragments; do [ -f "$f" ] || die "fragment not found: $f"; done
[ -n "$source_arg" ] || die "--source is required"
[ -e "$source_arg" ] || die "--source: not found: $source_arg"
check_jobs_and_cross

export ARCH=arm64 CROSS_COMPILE="$cross"
mkdir -p "$out"
out=$(cd "$out" && pwd)
build="$out/build"
src="$out/src"
step_total=6
step_no=0
step() {
  step_no=$((step_no + 1))
  echo "KBENCH-STEP $step_no $step_total $*"
}

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
# The source and object trees stay: OpenZFS builds against them (build-zfs-modules.sh).

release=$(cat "$out/release")
staging="$out/modules-staging"
step "modules_install for $release"
rm -rf "$staging"
make -s -C "$src" O="$build" INSTALL_MOD_PATH="$staging" INSTALL_MOD_STRIP=1 DEPMOD=true modules_install

step "modules.tar.gz and SHA256SUMS"
# depmod reads foreign-architecture modules fine.
depmod -b "$staging" "$release"
tar -czf "$out/modules.tar.gz" -C "$staging" lib
(cd "$out" && sha256sum Image config modules.tar.gz >SHA256SUMS)
echo "$prog: done: $release, Image $(wc -c <"$out/Image") bytes"
