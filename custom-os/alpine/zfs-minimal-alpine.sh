#!/bin/sh
# Builds a minimal Alpine root filesystem image for ZFS benchmarking, inside an Alpine guest
# (as root): apk --root into a staging directory with linux-virt, zfs, openssh and busybox
# only; apk's database, docs and man pages removed afterwards (no package manager, no
# compiler); packed into an ext4 raw image. Boot it with the linux-virt kernel/initramfs from
# the staging /boot, or with kernel-artifacts/alpine/ (then install the matching modules).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
lib=$here/guest-script-lib.sh # beside this script when both were copied into a guest
[ -f "$lib" ] || lib=$here/../../kernels/guest-script-lib.sh
# shellcheck source=kernels/guest-script-lib.sh
. "$lib"

usage() {
  cat <<USAGE
usage: $prog [--dry-run] [--out DIR] [--size MB] [--branch vX.Y|edge] [--arch ARCH]

  --dry-run       print the plan and exit; changes nothing
  --out DIR       work and output directory (default: /tmp/zfs-minimal)
  --size MB       image size (default: 512)
  --branch B      Alpine branch for the repositories (default: this system's, e.g. v3.22)
  --arch ARCH     apk architecture (default: this system's, apk --print-arch)
USAGE
}
dry_run=0 out=/tmp/zfs-minimal size=512 branch='' arch=''
parse_options '--dry-run=dry_run=1 --out=out:directory --size=size:number --branch=branch:value --arch=arch:value' "$@"
case $size in '' | *[!0-9]*) die "--size: expected megabytes, got '$size'" ;; esac
[ "$size" -ge 128 ] || die "--size: at least 128 MB (linux-virt + zfs modules alone take ~60 MB), got $size"

# Only what a benchmark guest runs: init, shell tools, sshd, ZFS userland + modules, kernel.
packages="alpine-baselayout busybox busybox-openrc openrc openssh-server zfs zfs-openrc linux-virt zfs-virt mkinitfs e2fsprogs ifupdown-ng"
root=$out/rootfs
image=$out/zfs-minimal.img
echo "plan: 1. apk --root $root --initdb --no-cache add $packages (repositories: main + community of ${branch:-<branch of this system>}, arch ${arch:-<apk --print-arch>})"
echo "plan: 2. enable services: devfs dmesg mdev hwdrivers (sysinit), networking sshd zfs-import zfs-mount (boot/default)"
echo "plan: 3. root login by SSH key only; eth0 by DHCP; hostname zfs-minimal"
echo "plan: 4. remove the package manager and its database (apk-tools, /lib/apk, /etc/apk, /var/cache/apk), /usr/share/doc, /usr/share/man, /usr/share/info"
echo "plan: 5. mkfs.ext4 -d $root into a ${size} MB raw image: $image"
echo "plan: 6. print the image's size and the root filesystem's size"
stop_if_dry_run

[ "$(id -u)" = 0 ] || die "run as root"
command -v apk >/dev/null 2>&1 || die "apk not found: run this inside an Alpine system"
[ -n "$arch" ] || arch=$(apk --print-arch)
if [ -z "$branch" ]; then
  branch=v$(cut -d. -f1,2 /etc/alpine-release)
  case $(cat /etc/alpine-release) in *_alpha* | *_git*) branch=edge ;; esac
fi
mirror=https://dl-cdn.alpinelinux.org/alpine
command -v mkfs.ext4 >/dev/null 2>&1 || apk add --no-cache e2fsprogs

rm -rf "$root" "$image"
mkdir -p "$root/etc/apk"
printf '%s\n' "$mirror/$branch/main" "$mirror/$branch/community" >"$root/etc/apk/repositories"
cp -r /etc/apk/keys "$root/etc/apk/"
# shellcheck disable=SC2086 # one word per package
apk --root "$root" --arch "$arch" --initdb --no-cache --update-cache add $packages

for svc in devfs dmesg mdev hwdrivers; do ln -sf "/etc/init.d/$svc" "$root/etc/runlevels/sysinit/$svc"; done
for svc in networking zfs-import zfs-mount; do ln -sf "/etc/init.d/$svc" "$root/etc/runlevels/boot/$svc"; done
ln -sf /etc/init.d/sshd "$root/etc/runlevels/default/sshd"
echo zfs-minimal >"$root/etc/hostname"
printf 'auto lo\niface lo inet loopback\n\nauto eth0\niface eth0 inet dhcp\n' >"$root/etc/network/interfaces"
printf '/dev/vda\t/\text4\tdefaults,noatime\t0 1\n' >"$root/etc/fstab"
sed -i 's/^#\?PermitRootLogin.*/PermitRootLogin prohibit-password/; s/^#\?PasswordAuthentication.*/PasswordAuthentication no/' "$root/etc/ssh/sshd_config"
mkdir -p "$root/root/.ssh"
chmod 700 "$root/root/.ssh"
[ ! -f /root/.ssh/authorized_keys ] || cp /root/.ssh/authorized_keys "$root/root/.ssh/authorized_keys"

# Kernel and initramfs stay in /boot for the host to pick up; the package manager goes.
rm -rf "$root/sbin/apk" "$root/lib/apk" "$root/etc/apk" "$root/var/cache/apk" \
  "$root/usr/share/doc" "$root/usr/share/man" "$root/usr/share/info"

rootfs_kb=$(du -sk "$root" | cut -f1)
mkfs.ext4 -q -L zfs-minimal -d "$root" "$image" "${size}M"
echo "root filesystem: $((rootfs_kb / 1024)) MB; image: $image (${size} MB raw ext4)"
echo "kernel: $root/boot/vmlinuz-virt  initramfs: $root/boot/initramfs-virt"
