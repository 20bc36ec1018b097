#!/bin/sh
# Builds the kbench M-SERIES kernel for NetBSD/evbarm aarch64 with build.sh, inside a NetBSD
# guest (or any host with the NetBSD source tree), and installs it as /netbsd.m-series.
# Artifacts: kernel-artifacts/netbsd/.
set -eu

prog=$(basename "$0")
here=$(cd "$(dirname "$0")" && pwd)

usage() {
  cat <<USAGE
usage: $prog [--dry-run] [--src DIR] [--conf FILE] [--jobs N] [--out DIR] [--no-install]

  --dry-run      print the plan and exit; changes nothing
  --src DIR      NetBSD source tree (default: /usr/src)
  --conf FILE    kernel config (default: netbsd-m-series-kernel.conf beside this script)
  --jobs N       build.sh -j (default: hw.ncpu, or nproc)
  --out DIR      artifact directory (default: ./kernel-artifacts/netbsd)
  --no-install   build only; do not copy to /netbsd.m-series
USAGE
}
die() { echo "$prog: $*" >&2; exit 2; }

dry_run=0 src=/usr/src conf="$here/netbsd-m-series-kernel.conf" jobs='' out_dir=./kernel-artifacts/netbsd install=1
while [ $# -gt 0 ]; do
  case $1 in
    --dry-run) dry_run=1 ;;
    --src) [ $# -ge 2 ] || die "--src needs a directory"; src=$2; shift ;;
    --conf) [ $# -ge 2 ] || die "--conf needs a file"; conf=$2; shift ;;
    --jobs) [ $# -ge 2 ] || die "--jobs needs a number"; jobs=$2; shift ;;
    --out) [ $# -ge 2 ] || die "--out needs a directory"; out_dir=$2; shift ;;
    --no-install) install=0 ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument: $1" ;;
  esac
  shift
done
[ -f "$conf" ] || die "kernel config not found: $conf"
[ -z "$jobs" ] || case $jobs in *[!0-9]* | 0) die "--jobs: expected a positive number, got '$jobs'" ;; esac

obj=/usr/obj/kbench-evbarm64
echo "plan: 1. copy $(basename "$conf") to $src/sys/arch/evbarm/conf/M-SERIES"
echo "plan: 2. $src/build.sh -U -u -j${jobs:-<ncpu>} -m evbarm -a aarch64 -O $obj tools (once; reused afterwards)"
echo "plan: 3. $src/build.sh -U -u -j${jobs:-<ncpu>} -m evbarm -a aarch64 -O $obj kernel=M-SERIES"
if [ "$install" = 1 ]; then
  echo "plan: 4. install the kernel as /netbsd.m-series (boot it once with: boot netbsd.m-series at the efiboot prompt)"
fi
echo "plan: 5. copy netbsd.m-series to $out_dir, write SHA256SUMS"
if [ "$dry_run" = 1 ]; then
  echo "dry run: nothing was changed"
  exit 0
fi

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
