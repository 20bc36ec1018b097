#!/bin/sh
# Builds the kbench Debian ZFS testbed into $KB_OUT (must be an empty, private folder).
# Run as root by custom-os/debian-testbed/testbed.ts, which passes every input as KB_* variables
# and hashes this file's text and rootfs-lib.sh's (the steps shared with the arm64 root tree) into
# the cache key. Lines starting with "KBENCH-STEP" are progress.
#
# Inputs (all required):
#   KB_OUT                  output folder: rootfs/ is built here, then disk.raw, kernels/, versions.txt
#   KB_SUITE                Debian suite, e.g. bookworm
#   KB_MIRROR               Debian archive URI, e.g. http://deb.debian.org/debian
#   KB_SECURITY_MIRROR      Debian security URI, e.g. http://deb.debian.org/debian-security
#   KB_COMPONENTS           apt components, e.g. "main contrib"
#   KB_BASE_PACKAGES        comma-separated debootstrap --include list
#   KB_KERNEL_PACKAGES      space-separated kernel image + header packages (both variants)
#   KB_ZFS_PACKAGES         space-separated packages installed from $KB_SUITE-backports
#   KB_IMAGE_SIZE           size for truncate, e.g. 4G
#   KB_HOSTNAME             guest hostname
#   KB_AUTHORIZED_KEY       file holding root's authorized public key
#   KB_MODPROBE_CONF        file installed as /etc/modprobe.d/zfs.conf
#   KB_ZFS_OPTIONS_HELPER   file installed as /usr/local/sbin/kbench-zfs-options
#   KB_APT_PROXY_CONF       file with the host's apt proxy settings (may be empty)
set -eu

step_total=8
# shellcheck source=custom-os/debian-testbed/rootfs-lib.sh
. "$(dirname "$0")/rootfs-lib.sh"
require_env KB_OUT KB_SUITE KB_MIRROR KB_SECURITY_MIRROR KB_COMPONENTS KB_BASE_PACKAGES \
  KB_KERNEL_PACKAGES KB_ZFS_PACKAGES KB_IMAGE_SIZE KB_HOSTNAME KB_AUTHORIZED_KEY \
  KB_MODPROBE_CONF KB_ZFS_OPTIONS_HELPER KB_APT_PROXY_CONF

root="$KB_OUT/rootfs"
trap unmount_all EXIT
trap 'exit 130' INT TERM HUP

step 1 "debootstrap $KB_SUITE (minbase)"
mkdir -p "$root"
debootstrap --variant=minbase --include="$KB_BASE_PACKAGES" "$KB_SUITE" "$root" "$KB_MIRROR"

step 2 "apt sources (updates, security, backports)"
setup_apt

step 3 "kernels: $KB_KERNEL_PACKAGES"
# shellcheck disable=SC2086 # word splitting of the package list is intended
apt_install $KB_KERNEL_PACKAGES

step 4 "ZFS from $KB_SUITE-backports via DKMS (builds zfs.ko for every kernel, several minutes)"
# shellcheck disable=SC2086
apt_install -t "$KB_SUITE-backports" $KB_ZFS_PACKAGES
# DKMS builds for the kernels it finds; make sure each installed kernel really has zfs.ko.
for modules_dir in "$root"/lib/modules/*; do
  release=$(basename "$modules_dir")
  if ! find "$modules_dir" -name 'zfs.ko*' | grep -q .; then
    echo "zfs.ko missing for $release: running dkms autoinstall"
    in_chroot dkms autoinstall -k "$release"
  fi
  find "$modules_dir" -name 'zfs.ko*' | grep -q . || {
    echo "build-rootfs.sh: no zfs.ko for kernel $release after DKMS" >&2
    exit 1
  }
done

step 5 "guest configuration (ssh key, network, fstab, ZFS tuning)"
configure_guest 'en*'

step 6 "package versions and kernel files"
# shellcheck disable=SC2016 # dpkg-query's own format fields
in_chroot dpkg-query -W -f '${Package}\t${Version}\n' >"$KB_OUT/versions.txt"
mkdir -p "$KB_OUT/kernels"
for modules_dir in "$root"/lib/modules/*; do
  release=$(basename "$modules_dir")
  cp "$root/boot/vmlinuz-$release" "$KB_OUT/kernels/vmlinuz-$release"
  cp "$root/boot/initrd.img-$release" "$KB_OUT/kernels/initrd.img-$release"
  cp "$root/boot/config-$release" "$KB_OUT/kernels/config-$release"
done
clean_apt

step 7 "disk image ($KB_IMAGE_SIZE, ext4)"
rm -f "$KB_OUT/disk.raw"
truncate -s "$KB_IMAGE_SIZE" "$KB_OUT/disk.raw"
mkfs.ext4 -q -F -L kbench-root -d "$root" "$KB_OUT/disk.raw"

step 8 "remove the build tree"
rm -rf "$root"
echo "build-rootfs.sh: done"
