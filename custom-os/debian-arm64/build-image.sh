#!/bin/sh
# Stage 2 of the kbench Debian arm64 testbed: the stage-1 root tree (build-rootfs.sh) plus the
# seed's M-series kernel (kernels/build-arm64-linux-kernel.sh) and its OpenZFS modules into one
# raw ext4 image. Run by custom-os/debian-arm64/testbed.ts; every input is a KB_* variable.
#
#   KB_OUT            output folder: disk.raw, kernels/
#   KB_ROOTFS         stage-1 folder (rootfs/, stock/), read only: copied, never changed
#   KB_KERNEL_DIR     M-series kernel folder (Image, config, release, modules.tar.gz)
#   KB_ZFS_DIR        OpenZFS modules built against it (build-zfs-modules.sh: *.ko)
#   KB_IMAGE_SIZE     size for truncate, e.g. 4G
#
# The custom kernel boots with -kernel and root=/dev/vda, no initramfs: virtio-blk, virtio-pci
# and ext4 are built in (the fragment says =y), so an initramfs would only add boot time.
# /boot/vmlinuz-<release> has the format of Debian's own arm64 vmlinuz (an Image, or its gzip:
# QEMU's -kernel unpacks gzip itself), so kernel.image.bytes compares like with like.
set -eu

step_total=3
step() {
  echo "KBENCH-STEP $1 $step_total $2"
}
for name in KB_OUT KB_ROOTFS KB_KERNEL_DIR KB_ZFS_DIR KB_IMAGE_SIZE; do
  eval "value=\${$name:-}"
  [ -n "$value" ] || { echo "build-image.sh: missing environment variable $name" >&2; exit 2; }
done
for file in "$KB_ROOTFS/rootfs/etc/os-release" "$KB_KERNEL_DIR/Image" "$KB_KERNEL_DIR/modules.tar.gz" "$KB_KERNEL_DIR/release" "$KB_ZFS_DIR/zfs.ko"; do
  [ -e "$file" ] || { echo "build-image.sh: missing input $file" >&2; exit 2; }
done

root="$KB_OUT/rootfs"
release=$(cat "$KB_KERNEL_DIR/release")
stock_release=$(cat "$KB_ROOTFS/stock/release")

step 1 "copy the Debian arm64 root tree; install the M-series kernel $release"
rm -rf "$root"
cp -a "$KB_ROOTFS/rootfs" "$root"
# merged /usr: lib is a symlink to usr/lib, which a "lib/" member would otherwise replace.
tar --keep-directory-symlink -xzf "$KB_KERNEL_DIR/modules.tar.gz" -C "$root"
[ -L "$root/lib" ] || { echo "build-image.sh: $root/lib is no longer the usr/lib symlink" >&2; exit 1; }
# build/ and source/ would point into the host's cache.
rm -f "$root/lib/modules/$release/build" "$root/lib/modules/$release/source"
mkdir -p "$root/lib/modules/$release/updates/zfs"
cp "$KB_ZFS_DIR"/*.ko "$root/lib/modules/$release/updates/zfs/"
# depmod reads foreign-architecture modules fine; the guest's own would write the same files.
depmod -b "$root" "$release"
# The same format as the stock vmlinuz, so kernel.image.bytes compares like with like: Debian's
# 6.12 arm64 vmlinuz is an uncompressed Image (44 MB), older ones were gzip.
if gzip -t "$KB_ROOTFS/stock/vmlinuz" 2>/dev/null; then
  gzip -9 -n -c "$KB_KERNEL_DIR/Image" >"$root/boot/vmlinuz-$release"
else
  cp "$KB_KERNEL_DIR/Image" "$root/boot/vmlinuz-$release"
fi
cp "$KB_KERNEL_DIR/config" "$root/boot/config-$release"

step 2 "kernel files for the host"
mkdir -p "$KB_OUT/kernels"
cp "$KB_ROOTFS/stock/vmlinuz" "$KB_OUT/kernels/vmlinuz-$stock_release"
cp "$KB_ROOTFS/stock/initrd.img" "$KB_OUT/kernels/initrd.img-$stock_release"
cp "$KB_ROOTFS/stock/config" "$KB_OUT/kernels/config-$stock_release"
cp "$root/boot/vmlinuz-$release" "$KB_OUT/kernels/vmlinuz-$release"
cp "$KB_KERNEL_DIR/config" "$KB_OUT/kernels/config-$release"

step 3 "disk image ($KB_IMAGE_SIZE, ext4)"
rm -f "$KB_OUT/disk.raw"
truncate -s "$KB_IMAGE_SIZE" "$KB_OUT/disk.raw"
mkfs.ext4 -q -F -L kbench-root -d "$root" "$KB_OUT/disk.raw"
rm -rf "$root"
echo "build-image.sh: done"
