#!/bin/sh
# Stage 1 of the kbench Debian arm64 testbed: a Debian arm64 root tree with Debian's own arm64
# kernel (the "stock" variant), zfsutils-linux and OpenZFS kernel modules for that kernel, built
# into $KB_OUT (an empty, private folder). Run as root on any Linux host by
# custom-os/debian-arm64/testbed.ts, which passes every input as KB_* variables and hashes this
# file's text and ../debian-testbed/rootfs-lib.sh's (the steps shared with the x86 testbed) into
# the cache key. Lines starting with "KBENCH-STEP" are progress.
#
# Foreign-architecture parts run through qemu-user-static (binfmt_misc). Nothing heavy runs
# emulated: zfs-dkms is *not* installed in the guest (DKMS would compile OpenZFS under
# qemu-user, 5-10x slower than natively); its source is unpacked here and cross-compiled on the
# host by build-zfs-modules.sh against the stock kernel's headers, as it is for the M-series
# kernel. The headers' helper programs (fixdep, modpost) are arm64 binaries and run emulated.
#
# Inputs (all required):
#   KB_OUT KB_SUITE KB_MIRROR KB_SECURITY_MIRROR KB_COMPONENTS KB_HOSTNAME KB_AUTHORIZED_KEY
#   KB_MODPROBE_CONF KB_ZFS_OPTIONS_HELPER KB_APT_PROXY_CONF   as in ../debian-testbed/build-rootfs.sh
#   KB_BASE_PACKAGES        comma-separated debootstrap --include list
#   KB_STOCK_KERNEL_PACKAGE Debian arm64 kernel metapackage, e.g. linux-image-6.12-arm64
#   KB_ZFS_USERLAND         packages installed from $KB_SUITE-backports (zfsutils-linux)
#   KB_ZFS_SOURCE_PACKAGE   package whose /usr/src/zfs-* is the module source (zfs-dkms)
#   KB_JOBS                 parallel make jobs for the OpenZFS cross build
#   KB_ZFS_SCRIPT           kernels/build-zfs-modules.sh (arm64-cross.sh beside it)
# Output: $KB_OUT/rootfs/, $KB_OUT/zfs-src/ (OpenZFS source), $KB_OUT/stock/{vmlinuz,initrd.img,
# config,release}, $KB_OUT/versions.txt
set -eu

step_total=7
# shellcheck source=custom-os/debian-testbed/rootfs-lib.sh
. "$(dirname "$0")/../debian-testbed/rootfs-lib.sh"
require_env KB_OUT KB_SUITE KB_MIRROR KB_SECURITY_MIRROR KB_COMPONENTS KB_BASE_PACKAGES \
  KB_STOCK_KERNEL_PACKAGE KB_ZFS_USERLAND KB_ZFS_SOURCE_PACKAGE KB_HOSTNAME KB_AUTHORIZED_KEY \
  KB_MODPROBE_CONF KB_ZFS_OPTIONS_HELPER KB_APT_PROXY_CONF KB_JOBS KB_ZFS_SCRIPT
if [ "$(uname -m)" != aarch64 ]; then
  # debootstrap's second stage and every maintainer script run arm64 binaries.
  if ! grep -qx enabled /proc/sys/fs/binfmt_misc/qemu-aarch64 2>/dev/null; then
    echo "build-rootfs.sh: arm64 binaries cannot run on this $(uname -m) host: /proc/sys/fs/binfmt_misc/qemu-aarch64 is not enabled (apt-get install qemu-user-static binfmt-support; mount binfmt_misc; update-binfmts --enable qemu-aarch64)" >&2
    exit 2
  fi
  cross=aarch64-linux-gnu-
  command -v "${cross}gcc" >/dev/null || {
    echo "build-rootfs.sh: ${cross}gcc not found (apt-get install gcc-aarch64-linux-gnu)" >&2
    exit 2
  }
else
  cross=""
fi

root="$KB_OUT/rootfs"
trap unmount_all EXIT
trap 'exit 130' INT TERM HUP

step 1 "debootstrap --arch arm64 $KB_SUITE (minbase, second stage under qemu-user)"
mkdir -p "$root"
debootstrap --arch=arm64 --foreign --variant=minbase --include="$KB_BASE_PACKAGES" "$KB_SUITE" "$root" "$KB_MIRROR"
chroot "$root" /debootstrap/debootstrap --second-stage

step 2 "apt sources (updates, security, backports)"
setup_apt

step 3 "stock kernel $KB_STOCK_KERNEL_PACKAGE (+ headers), $KB_ZFS_USERLAND from $KB_SUITE-backports"
headers_package=$(echo "$KB_STOCK_KERNEL_PACKAGE" | sed 's/^linux-image-/linux-headers-/')
apt_install "$KB_STOCK_KERNEL_PACKAGE" "$headers_package"
# shellcheck disable=SC2086 # word splitting of the package list is intended
apt_install -t "$KB_SUITE-backports" $KB_ZFS_USERLAND
stock_release=$(cd "$root/lib/modules" && echo *)
case $stock_release in *' '* | '') echo "build-rootfs.sh: expected one kernel in $root/lib/modules, found: $stock_release" >&2; exit 1 ;; esac

step 4 "OpenZFS source from $KB_ZFS_SOURCE_PACKAGE ($KB_SUITE-backports), unpacked, not installed"
# shellcheck disable=SC2016 # dpkg-query's own format field
zfs_version=$(in_chroot dpkg-query -W -f '${Version}' zfsutils-linux)
mkdir -p "$KB_OUT/debs"
# The same version as the userland, so zpool/zfs and the modules agree.
(cd "$KB_OUT/debs" && chroot "$root" sh -c "cd /tmp && apt-get download -q $KB_ZFS_SOURCE_PACKAGE=$zfs_version" && mv "$root"/tmp/"$KB_ZFS_SOURCE_PACKAGE"_*.deb .)
dpkg-deb -x "$KB_OUT"/debs/"$KB_ZFS_SOURCE_PACKAGE"_*.deb "$KB_OUT/debs/x"
zfs_dir=$(find "$KB_OUT/debs/x/usr/src" -maxdepth 1 -name 'zfs-*' | head -1)
[ -f "$zfs_dir/configure" ] || { echo "build-rootfs.sh: no OpenZFS source (configure) in $KB_ZFS_SOURCE_PACKAGE" >&2; exit 1; }
mv "$zfs_dir" "$KB_OUT/zfs-src"
rm -rf "$KB_OUT/debs"

step 5 "cross-build OpenZFS modules for the stock kernel $stock_release"
# Debian's headers refer to each other by absolute /usr/src paths: build in a private mount
# namespace where the guest's /usr/src is mounted on /usr/src (the host's stays untouched).
headers_obj=/usr/src/linux-headers-$stock_release
headers_src=$(find "$root/usr/src" -maxdepth 1 -name 'linux-headers-*-common' | head -1 | sed "s|^$root||")
[ -n "$headers_src" ] || { echo "build-rootfs.sh: no linux-headers-*-common in $root/usr/src" >&2; exit 1; }
# Their scripts/ and tools/ are symlinks to ../../lib/linux-kbuild-<version>/ (the arm64 helper
# programs of linux-kbuild-6.12): that folder is bound at the same path. Its mount point is the
# only trace on the host, an empty folder made here and removed afterwards.
kbuild_dir=$(realpath -m "$headers_obj/$(readlink "$root$headers_obj/scripts")/..")
case $kbuild_dir in /usr/lib/linux-kbuild-*) ;; *) echo "build-rootfs.sh: unexpected kbuild folder '$kbuild_dir' behind $headers_obj/scripts" >&2; exit 1 ;; esac
[ -d "$root$kbuild_dir/scripts" ] || { echo "build-rootfs.sh: no $kbuild_dir/scripts in the root tree (linux-kbuild not installed?)" >&2; exit 1; }
made_mount_point=""
if [ ! -d "$kbuild_dir" ]; then
  mkdir "$kbuild_dir"
  made_mount_point=$kbuild_dir
fi
status=0
# The headers' helper programs (fixdep, modpost) are dynamically linked arm64 binaries: qemu-user
# (binfmt_misc) finds their loader and libraries in the root tree through QEMU_LD_PREFIX.
# shellcheck disable=SC2016 # $1..$8 are expanded by the inner shell
QEMU_LD_PREFIX="$root" unshare --mount sh -eu -c '
  mount --make-rprivate /
  mount --bind "$1/usr/src" /usr/src
  mount --bind "$1$8" "$8"
  sh "$2" --zfs-src "$3" --linux "$4" --linux-obj "$5" --out "$6" --jobs "$7"
' unshare-zfs "$root" "$KB_ZFS_SCRIPT" "$KB_OUT/zfs-src" "$headers_src" "$headers_obj" "$KB_OUT/zfs-stock" "$KB_JOBS" "$kbuild_dir" || status=$?
[ -z "$made_mount_point" ] || rmdir "$made_mount_point"
[ "$status" = 0 ] || exit "$status"
dest="$root/lib/modules/$stock_release/updates/zfs"
mkdir -p "$dest"
cp "$KB_OUT"/zfs-stock/*.ko "$dest/"
rm -rf "$KB_OUT/zfs-stock"
in_chroot depmod "$stock_release"
in_chroot update-initramfs -u -k "$stock_release"

step 6 "guest configuration (ssh key, network, fstab, ZFS tuning)"
configure_guest 'en* eth*'

step 7 "package versions, stock kernel files"
# shellcheck disable=SC2016 # dpkg-query's own format fields
in_chroot dpkg-query -W -f '${Package}\t${Version}\n' >"$KB_OUT/versions.txt"
printf '%s\t%s\n' "$KB_ZFS_SOURCE_PACKAGE" "$zfs_version" >>"$KB_OUT/versions.txt"
mkdir -p "$KB_OUT/stock"
cp "$root/boot/vmlinuz-$stock_release" "$KB_OUT/stock/vmlinuz"
cp "$root/boot/initrd.img-$stock_release" "$KB_OUT/stock/initrd.img"
cp "$root/boot/config-$stock_release" "$KB_OUT/stock/config"
echo "$stock_release" >"$KB_OUT/stock/release"
clean_apt
echo "build-rootfs.sh: done"
