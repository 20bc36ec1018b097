# shellcheck shell=sh
# What both Debian root-tree builders do alike, sourced (not run) by
# custom-os/debian-testbed/build-rootfs.sh and custom-os/debian-arm64/build-rootfs.sh; each
# hashes this file's text into its cache key with its own. The builder sets $root (the tree)
# and $step_total, and passes the KB_* inputs these functions read.

step() {
  echo "KBENCH-STEP $1 $step_total $2"
}

# require_env NAME...: exit 2 naming the first empty or unset one.
require_env() {
  for name in "$@"; do
    eval "value=\${$name:-}"
    if [ -z "$value" ]; then
      echo "build-rootfs.sh: missing environment variable $name" >&2
      exit 2
    fi
  done
}

mounted=""

unmount_all() {
  # Reverse order of mounting; lazy so a busy mount cannot leave the host's /dev bound forever.
  for target in $mounted; do
    umount -l "$target" 2>/dev/null || true
  done
  mounted=""
}

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

# The chroot's apt sources (updates, security, backports) and the host's proxy; no service
# starts while packages install; /proc, /sys, /dev bound in; apt-get update.
setup_apt() {
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
}

# configure_guest NAMES: hostname, root's ssh key, DHCP on the interfaces matching NAMES
# (systemd.network Name=), fstab, the ZFS module and its tuning, sshd, root's password locked.
configure_guest() {
  echo "$KB_HOSTNAME" >"$root/etc/hostname"
  printf '127.0.0.1\tlocalhost\n127.0.1.1\t%s\n' "$KB_HOSTNAME" >"$root/etc/hosts"
  install -d -m 700 "$root/root/.ssh"
  install -m 600 "$KB_AUTHORIZED_KEY" "$root/root/.ssh/authorized_keys"
  printf '[Match]\nName=%s\n\n[Network]\nDHCP=yes\n' "$1" >"$root/etc/systemd/network/20-kbench-dhcp.network"
  echo '/dev/vda  /  ext4  rw,relatime,errors=remount-ro  0  1' >"$root/etc/fstab"
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
}

# What only the build needed goes: apt's caches and lists, the policy and proxy files, the mounts.
clean_apt() {
  in_chroot apt-get clean
  rm -f "$root/usr/sbin/policy-rc.d" "$root/etc/apt/apt.conf.d/01kbench-proxy"
  rm -rf "$root/var/lib/apt/lists/"*
  unmount_all
}
