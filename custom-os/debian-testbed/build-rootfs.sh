#!/bin/sh
# Builds the kbench Debian ZFS testbed into $KB_OUT (must be an empty, private folder).
# Run as root by custom-os/debian-testbed/testbed.ts, which passes every input as KB_* variables
# and hashes this file's text into the cache key. Lines starting with "KBENCH-STEP" are progress.
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
step() {
  echo "KBENCH-STEP $1 $step_total $2"
}

for name in KB_OUT KB_SUITE KB_MIRROR KB_SECURITY_MIRROR KB_COMPONENTS KB_BASE_PACKAGES \
  KB_KERNEL_PACKAGES KB_ZFS_PACKAGES KB_IMAGE_SIZE KB_HOSTNAME KB_AUTHORIZED_KEY \
  KB_MODPROBE_CONF KB_ZFS_OPTIONS_HELPER KB_APT_PROXY_CONF; do
  eval "value=\${$name:-}"
  if [ -z "$value" ]; then
    echo "build-rootfs.sh: missing environment variable $name" >&2
    exit 2
  fi
done

root="$KB_OUT/rootfs"
mounted=""

unmount_all() {
  # Reverse order of mounting; lazy so a busy mount cannot leave the host's /dev bound forever.
  for target in $mounted; do
    umount -l "$target" 2>/dev/null || true
  done
  mounted=""
}
trap unmount_all EXIT
trap 'exit 130' INT TERM HUP

bind_mount() {
  mkdir -p "$root/$1"
  mount --bind "/$1" "$root/$1"
  mounted="$root/$1 $mounted"
}

in_chroot() {
  chroot "$root" /usr/bin/env -i \
    PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
    DEBIAN_FRONTEND=noninteractive DEBCONF_NONINTERACTIVE_SEEN=true "$@"
}

apt_install() {
  in_chroot apt-get install -y -q --no-install-recommends \
    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "$@"
}

step 1 "debootstrap $KB_SUITE (minbase)"
mkdir -p "$root"
debootstrap --variant=minbase --include="$KB_BASE_PACKAGES" "$KB_SUITE" "$root" "$KB_MIRROR"

step 2 "apt sources (updates, security, backports)"
# Only the chroot's apt configuration is written; the host's is never touched.
{
  echo "deb $KB_MIRROR $KB_SUITE $KB_COMPONENTS"
  echo "deb $KB_MIRROR $KB_SUITE-updates $KB_COMPONENTS"
  echo "deb $KB_SECURITY_MIRROR $KB_SUITE-security $KB_COMPONENTS"
  echo "deb $KB_MIRROR $KB_SUITE-backports $KB_COMPONENTS"
} >"$root/etc/apt/sources.list"
cp "$KB_APT_PROXY_CONF" "$root/etc/apt/apt.conf.d/01kbench-proxy"
# Services must not start inside the chroot while packages install.
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod 755 "$root/usr/sbin/policy-rc.d"
bind_mount proc
bind_mount sys
bind_mount dev
bind_mount dev/pts
in_chroot apt-get update -q

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
echo "$KB_HOSTNAME" >"$root/etc/hostname"
printf '127.0.0.1\tlocalhost\n127.0.1.1\t%s\n' "$KB_HOSTNAME" >"$root/etc/hosts"
install -d -m 700 "$root/root/.ssh"
install -m 600 "$KB_AUTHORIZED_KEY" "$root/root/.ssh/authorized_keys"
cat >"$root/etc/systemd/network/20-kbench-dhcp.network" <<'EOF'
[Match]
Name=en*

[Network]
DHCP=yes
EOF
cat >"$root/etc/fstab" <<'EOF'
/dev/vda  /  ext4  rw,relatime,errors=remount-ro  0  1
EOF
echo zfs >"$root/etc/modules-load.d/zfs.conf"
install -m 644 "$KB_MODPROBE_CONF" "$root/etc/modprobe.d/zfs.conf"
install -D -m 755 "$KB_ZFS_OPTIONS_HELPER" "$root/usr/local/sbin/kbench-zfs-options"
# No reverse DNS lookups: user-mode networking has no resolver for the host address.
mkdir -p "$root/etc/ssh/sshd_config.d"
printf 'UseDNS no\nPermitRootLogin prohibit-password\n' >"$root/etc/ssh/sshd_config.d/kbench.conf"
in_chroot systemctl enable systemd-networkd ssh
# The network is not needed for boot to finish; waiting for it only slows every boot down.
in_chroot systemctl mask systemd-networkd-wait-online.service
in_chroot passwd -l root

step 6 "package versions and kernel files"
in_chroot dpkg-query -W -f '${Package}\t${Version}\n' >"$KB_OUT/versions.txt"
mkdir -p "$KB_OUT/kernels"
for modules_dir in "$root"/lib/modules/*; do
  release=$(basename "$modules_dir")
  cp "$root/boot/vmlinuz-$release" "$KB_OUT/kernels/vmlinuz-$release"
  cp "$root/boot/initrd.img-$release" "$KB_OUT/kernels/initrd.img-$release"
  cp "$root/boot/config-$release" "$KB_OUT/kernels/config-$release"
done
in_chroot apt-get clean
rm -f "$root/usr/sbin/policy-rc.d" "$root/etc/apt/apt.conf.d/01kbench-proxy"
rm -rf "$root/var/lib/apt/lists/"*
unmount_all

step 7 "disk image ($KB_IMAGE_SIZE, ext4)"
rm -f "$KB_OUT/disk.raw"
truncate -s "$KB_IMAGE_SIZE" "$KB_OUT/disk.raw"
mkfs.ext4 -q -F -L kbench-root -d "$root" "$KB_OUT/disk.raw"

step 8 "remove the build tree"
rm -rf "$root"
echo "build-rootfs.sh: done"
