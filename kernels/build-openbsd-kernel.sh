#!/bin/sh
# Builds the kbench M-SERIES kernel inside an OpenBSD/arm64 guest (config + make in
# /usr/src/sys/arch/arm64/compile), disables unused devices with config -e, and installs it
# as /bsd.m-series. Artifacts: kernel-artifacts/openbsd/.
set -eu

prog=$(basename "$0")
here=$(cd "$(dirname "$0")" && pwd)

usage() {
  cat <<USAGE
usage: $prog [--dry-run] [--src DIR] [--conf FILE] [--jobs N] [--out DIR] [--no-install]

  --dry-run      print the plan and exit; changes nothing
  --src DIR      OpenBSD source tree (default: /usr/src)
  --conf FILE    kernel config (default: openbsd-m-series-kernel.conf beside this script)
  --jobs N       make -j (default: hw.ncpuonline)
  --out DIR      artifact directory (default: ./kernel-artifacts/openbsd)
  --no-install   build only; do not copy to /bsd.m-series
USAGE
}
die() { echo "$prog: $*" >&2; exit 2; }

dry_run=0 src=/usr/src conf="$here/openbsd-m-series-kernel.conf" jobs='' out_dir=./kernel-artifacts/openbsd install=1
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

ukc_commands=$(sed -n -E 's/^# ukc: (disable [a-z0-9_]+)$/\1/p' "$conf")
compile=$src/sys/arch/arm64/compile/M-SERIES
echo "plan: 1. copy $(basename "$conf") to $src/sys/arch/arm64/conf/M-SERIES"
echo "plan: 2. config M-SERIES in $src/sys/arch/arm64/conf, then make obj && make -j${jobs:-<ncpu>} in $compile"
echo "plan: 3. config -e -o bsd.m-series bsd with: $(printf '%s' "$ukc_commands" | tr '\n' ';' | sed 's/;/; /g'); quit"
if [ "$install" = 1 ]; then
  echo "plan: 4. install as /bsd.m-series (boot it once with: boot bsd.m-series at the boot> prompt)"
fi
echo "plan: 5. copy bsd.m-series to $out_dir, write SHA256SUMS"
if [ "$dry_run" = 1 ]; then
  echo "dry run: nothing was changed"
  exit 0
fi

[ "$(uname -s)" = OpenBSD ] || die "this script runs inside an OpenBSD guest (uname -s is $(uname -s))"
[ "$(id -u)" = 0 ] || die "run as root"
[ -d "$src/sys/arch/arm64/conf" ] || die "no OpenBSD kernel source at $src/sys"
jobs=${jobs:-$(sysctl -n hw.ncpuonline)}

cp "$conf" "$src/sys/arch/arm64/conf/M-SERIES"
(cd "$src/sys/arch/arm64/conf" && config M-SERIES)
cd "$compile"
make obj
make -j"$jobs"
# UKC: "quit" saves the changes into the output file, "exit" would discard them.
kernel=$(make -V .OBJDIR 2>/dev/null || pwd)/bsd
{ printf '%s\n' "$ukc_commands"; echo quit; } | config -e -o bsd.m-series "$kernel"
if [ "$install" = 1 ]; then
  cp bsd.m-series /bsd.m-series
fi
mkdir -p "$out_dir"
cp bsd.m-series "$out_dir/bsd.m-series"
(cd "$out_dir" && sha256 -r bsd.m-series >SHA256SUMS)
echo "built $compile/bsd.m-series"
