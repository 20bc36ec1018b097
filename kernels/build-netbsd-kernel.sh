#!/bin/sh
# Builds the kbench M-SERIES kernel for NetBSD/evbarm aarch64 with build.sh, inside a NetBSD
# guest (or any host with the NetBSD source tree), and installs it as /netbsd.m-series.
# Artifacts: kernel-artifacts/netbsd/.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=kernels/guest-script-lib.sh
. "$here/guest-script-lib.sh"

usage() {
  kernel_build_usage NetBSD netbsd '[--no-install]' 'build.sh -j (default: hw.ncpu, or nproc)'
  echo '  --no-install    build only; do not copy to /netbsd.m-series'
}

install=1
parse_kernel_build_options netbsd --no-install=install=0 "$@"

obj=/usr/obj/kbench-evbarm64
echo "plan: 1. copy $(basename "$conf") to $src/sys/arch/evbarm/conf/M-SERIES"
echo "plan: 2. $src/build.sh -U -u -j${jobs:-<ncpu>} -m evbarm -a aarch64 -O $obj tools (once; reused afterwards)"
echo "plan: 3. $src/build.sh -U -u -j${jobs:-<ncpu>} -m evbarm -a aarch64 -O $obj kernel=M-SERIES"
if [ "$install" = 1 ]; then
  echo "plan: 4. install the kernel as /netbsd.m-series (boot it once with: boot netbsd.m-series at the efiboot prompt)"
fi
echo "plan: 5. copy netbsd.m-series to $out_dir, write SHA256SUMS"
stop_if_dry_run

[ -x "$src/build.sh" ] || die "no NetBSD source at $src (build.sh missing)"
jobs=${jobs:-$(sysctl -n hw.ncpu 2>/dev/null || nproc)}
cp "$conf" "$src/sys/arch/evbarm/conf/M-SERIES"
cd "$src"
if [ ! -x "$obj/tooldir/bin/nbmake-evbarm" ] && ! ls "$obj"/tooldir.*/bin/nbmake-evbarm >/dev/null 2>&1; then
  ./build.sh -U -u -j"$jobs" -m evbarm -a aarch64 -O "$obj" tools
fi
./build.sh -U -u -j"$jobs" -m evbarm -a aarch64 -O "$obj" kernel=M-SERIES
kernel=$(find "$obj" -path '*/compile/M-SERIES/netbsd' -type f | head -n 1)
[ -n "$kernel" ] || die "build.sh finished but no compile/M-SERIES/netbsd was found under $obj"
if [ "$install" = 1 ]; then
  cp "$kernel" /netbsd.m-series
fi
mkdir -p "$out_dir"
cp "$kernel" "$out_dir/netbsd.m-series"
(cd "$out_dir" && cksum -a sha256 netbsd.m-series >SHA256SUMS)
echo "built $kernel"
