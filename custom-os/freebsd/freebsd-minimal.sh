#!/bin/sh
# Builds a minimal FreeBSD/arm64 root filesystem for ZFS benchmarking from the release's
# base.txz and kernel.txz, inside a FreeBSD guest (as root): unpacks both into a staging
# directory, strips what a benchmark guest never runs (pkg, compiler toolchain, 32-bit
# libraries, docs, examples, tests, debug files), configures sshd + ZFS, and makes a UFS
# image with makefs. ZFS is native: zfs.ko comes with kernel.txz, zfs(8)/zpool(8) with base.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
lib=$here/guest-script-lib.sh # beside this script when both were copied into a guest
[ -f "$lib" ] || lib=$here/../../kernels/guest-script-lib.sh
# shellcheck source=kernels/guest-script-lib.sh
. "$lib"

dry_run=0 out=/tmp/freebsd-minimal release='' size=1024 dist=''
usage() {
  cat <<USAGE
usage: $prog [--dry-run] [--out DIR] [--release X.Y-RELEASE] [--size MB] [--dist DIR]

  --dry-run          print the plan and exit; changes nothing
  --out DIR          work and output directory (default: /tmp/freebsd-minimal)
  --release R        release to fetch (default: this system's, from freebsd-version -u)
  --size MB          image size (default: 1024)
  --dist DIR         use base.txz and kernel.txz from DIR instead of downloading them
USAGE
}
parse_options '--dry-run=dry_run=1 --out=out:directory --release=release:value --size=size:number --dist=dist:directory' "$@"
case $size in '' | *[!0-9]*) die "--size: expected megabytes, got '$size'" ;; esac
case $release in '' | [0-9]*.[0-9]*-*) ;; *) die "--release: expected like 14.3-RELEASE, got '$release'" ;; esac

root=$out/rootfs
image=$out/freebsd-minimal.img
# Paths removed from the unpacked base, relative to the root.
strip_paths="usr/sbin/pkg usr/share/doc usr/share/examples usr/share/man usr/share/info usr/share/games usr/tests usr/lib32 usr/libexec/ld-elf32.so.1 usr/lib/debug usr/include usr/bin/cc usr/bin/c++ usr/bin/cpp usr/bin/clang usr/bin/clang++ usr/bin/clang-cpp usr/bin/ld.lld usr/bin/lldb usr/bin/llvm-objdump usr/bin/gdb usr/share/dict boot/kernel/*.debug"
echo "plan: 1. fetch base.txz and kernel.txz of ${release:-<release of this system>} for arm64/aarch64 from download.freebsd.org (or use ${dist:-<--dist DIR>}), check them against MANIFEST"
echo "plan: 2. unpack both into $root"
echo "plan: 3. remove: $strip_paths"
echo "plan: 4. rc.conf: sshd_enable, zfs_enable, ifconfig_DEFAULT=DHCP; loader.conf: zfs_load; root SSH by key only"
echo "plan: 5. makefs -t ffs -s ${size}m $image $root"
echo "plan: 6. print the image's size and the root filesystem's size"
stop_if_dry_run

require_root_inside FreeBSD "a FreeBSD system"
[ -n "$release" ] || release=$(freebsd-version -u | sed -E 's/-p[0-9]+$//')
mkdir -p "$out"
if [ -z "$dist" ]; then
  dist=$out/dist
  mkdir -p "$dist"
  url=https://download.freebsd.org/releases/arm64/aarch64/$release
  for f in MANIFEST base.txz kernel.txz; do
    [ -f "$dist/$f" ] || fetch -o "$dist/$f" "$url/$f"
  done
fi
if [ -f "$dist/MANIFEST" ]; then
  for f in base.txz kernel.txz; do
    want=$(awk -v f="$f" '$1 == f { print $2 }' "$dist/MANIFEST")
    [ "$(sha256 -q "$dist/$f")" = "$want" ] || die "$dist/$f does not match its MANIFEST SHA-256"
  done
fi

rm -rf "$root" "$image"
mkdir -p "$root"
tar -xpf "$dist/base.txz" -C "$root"
tar -xpf "$dist/kernel.txz" -C "$root"
# Globs (boot/kernel/*.debug) must expand inside the root, not in the current directory.
set -f
for p in $strip_paths; do
  # shellcheck disable=SC2086 # the glob must expand
  (cd "$root" && set +f && rm -rf $p)
done
set +f

cat >>"$root/etc/rc.conf" <<RC
hostname="freebsd-minimal"
ifconfig_DEFAULT="DHCP"
sshd_enable="YES"
zfs_enable="YES"
RC
cat >>"$root/boot/loader.conf" <<LOADER
zfs_load="YES"
autoboot_delay="1"
LOADER
printf '/dev/gpt/rootfs\t/\tufs\trw\t1\t1\n' >"$root/etc/fstab"
sed -i '' -E 's/^#?PermitRootLogin.*/PermitRootLogin prohibit-password/; s/^#?PasswordAuthentication.*/PasswordAuthentication no/' "$root/etc/ssh/sshd_config"
mkdir -p "$root/root/.ssh"
chmod 700 "$root/root/.ssh"
[ ! -f /root/.ssh/authorized_keys ] || cp /root/.ssh/authorized_keys "$root/root/.ssh/authorized_keys"

rootfs_kb=$(du -sk "$root" | cut -f1)
makefs -t ffs -o label=rootfs -s "${size}m" "$image" "$root"
echo "root filesystem: $((rootfs_kb / 1024)) MB; image: $image (${size} MB UFS; wrap it with mkimg -s gpt -p efi:=... -p freebsd-ufs/rootfs:=$image for a bootable disk)"
