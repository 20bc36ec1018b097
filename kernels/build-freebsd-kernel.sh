#!/bin/sh
# Builds and installs the kbench M-SERIES kernel inside a FreeBSD/arm64 guest, as root, and
# arranges a one-shot trial boot into it. Artifacts: kernel-artifacts/freebsd/:
#   kernel.m-series.tar.gz  kernel.m-series/ (the kernel and every module installkernel put
#                           beside it, zfs.ko included): what the lima backend and
#                           lima/freebsd-custom.yaml unpack with `tar -xzf ... -C /boot`
#   kernel, loader.conf     the bare kernel and the loader.conf lines, for booting by hand
#   SHA256SUMS
# --package-only makes only these artifacts from an installed KODIR (steps 5-6): to repackage
# by hand after installkernel, and so the packaging runs (and is tested) on any host with tar.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=kernels/guest-script-lib.sh
. "$here/guest-script-lib.sh"

usage() {
  kernel_build_usage FreeBSD freebsd '[--no-nextboot]' 'make -j (default: hw.ncpu)'
  cat <<USAGE
  --no-nextboot   install only; do not schedule the one-shot boot
  --package-only  skip the build and install (steps 1-4): package an installed kernel directory
  --kodir DIR     with --package-only: the installed kernel directory (default:
                  /boot/kernel.m-series; its name must be kernel.m-series, as the backends unpack it)

or: $prog --package-only [--kodir DIR] [--out DIR]
USAGE
}
nextboot=1 package_only=0 kodir=/boot/kernel.m-series
parse_kernel_build_options freebsd '--no-nextboot=nextboot=0 --package-only=package_only=1 --kodir=kodir:directory' "$@"
[ "$(basename "$kodir")" = kernel.m-series ] || die "--kodir: the directory must be named kernel.m-series (the backends unpack kernel.m-series/ into /boot), got $kodir"
[ "$package_only" = 1 ] || [ "$kodir" = /boot/kernel.m-series ] || die "--kodir: only with --package-only (installkernel always installs into /boot/kernel.m-series)"

kernconf=M-SERIES

# Steps 5-6: the artifacts, from an installed kernel directory. Debug files stay out:
# installkernel puts them under /usr/lib/debug anyway.
package() {
  for file in kernel zfs.ko; do
    [ -f "$kodir/$file" ] || die "no $kodir/$file (is ZFS in the kernel config's module list?)"
  done
  mkdir -p "$out_dir"
  tar -czf "$out_dir/kernel.m-series.tar.gz" -C "$(dirname "$kodir")" --exclude '*.debug' "$(basename "$kodir")"
  cp "$kodir/kernel" "$out_dir/kernel"
  cat >"$out_dir/loader.conf" <<LOADER
# Boot the M-SERIES kernel permanently (after a good trial boot) and load ZFS.
kernel="kernel.m-series"
zfs_load="YES"
LOADER
  (cd "$out_dir" && sha256sum kernel.m-series.tar.gz kernel loader.conf >SHA256SUMS)
}

if [ "$package_only" = 1 ]; then
  echo "plan: 5. check $kodir has kernel and zfs.ko; tar it as $out_dir/kernel.m-series.tar.gz (kernel.m-series/...)"
  echo "plan: 6. copy $kodir/kernel and a loader.conf snippet to $out_dir, write SHA256SUMS"
  stop_if_dry_run
  package
  echo "packaged $kodir into $out_dir/kernel.m-series.tar.gz"
  exit 0
fi

echo "plan: 1. copy $(basename "$conf") to $src/sys/arm64/conf/$kernconf"
echo "plan: 2. make -C $src -j${jobs:-<hw.ncpu>} buildkernel KERNCONF=$kernconf TARGET=arm64 (kernel + modules, zfs.ko included)"
echo "plan: 3. make -C $src installkernel KERNCONF=$kernconf KODIR=$kodir (the stock /boot/kernel stays untouched)"
if [ "$nextboot" = 1 ]; then
  echo "plan: 4. nextboot -k kernel.m-series: the next boot only uses it; a failed boot falls back to /boot/kernel"
fi
echo "plan: 5. check $kodir has kernel and zfs.ko; tar it as $out_dir/kernel.m-series.tar.gz (kernel.m-series/...)"
echo "plan: 6. copy $kodir/kernel and a loader.conf snippet to $out_dir, write SHA256SUMS"
stop_if_dry_run

require_root_inside FreeBSD "a FreeBSD guest"
[ -f "$src/sys/arm64/conf/GENERIC" ] || die "no FreeBSD source at $src (install it: git clone -b releng/\$(freebsd-version -u | cut -d- -f1) ... $src)"
jobs=${jobs:-$(sysctl -n hw.ncpu)}

cp "$conf" "$src/sys/arm64/conf/$kernconf"
make -C "$src" -j"$jobs" buildkernel KERNCONF="$kernconf" TARGET=arm64
make -C "$src" installkernel KERNCONF="$kernconf" KODIR="$kodir"
if [ "$nextboot" = 1 ]; then
  nextboot -k kernel.m-series
fi
package
echo "installed $kodir; reboot to try it once"
