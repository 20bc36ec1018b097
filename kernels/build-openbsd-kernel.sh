#!/bin/sh
# Builds the kbench M-SERIES kernel inside an OpenBSD/arm64 guest (config + make in
# /usr/src/sys/arch/arm64/compile), disables unused devices with config -e, and installs it
# as /bsd.m-series. Artifacts: kernel-artifacts/openbsd/.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=kernels/guest-script-lib.sh
. "$here/guest-script-lib.sh"

usage() {
  kernel_build_usage OpenBSD openbsd '[--no-install]' 'make -j (default: hw.ncpuonline)'
  echo '  --no-install    build only; do not copy to /bsd.m-series'
}
install=1
parse_kernel_build_options openbsd --no-install=install=0 "$@"

ukc_commands=$(sed -n -E 's/^# ukc: (disable [a-z0-9_]+)$/\1/p' "$conf")
compile=$src/sys/arch/arm64/compile/M-SERIES
echo "plan: 1. copy $(basename "$conf") to $src/sys/arch/arm64/conf/M-SERIES"
echo "plan: 2. config M-SERIES in $src/sys/arch/arm64/conf, then make obj && make -j${jobs:-<ncpu>} in $compile"
echo "plan: 3. config -e -o bsd.m-series bsd with: $(printf '%s' "$ukc_commands" | tr '\n' ';' | sed 's/;/; /g'); quit"
if [ "$install" = 1 ]; then
  echo "plan: 4. install as /bsd.m-series (boot it once with: boot bsd.m-series at the boot> prompt)"
fi
echo "plan: 5. copy bsd.m-series to $out_dir, write SHA256SUMS"
stop_if_dry_run

require_root_inside OpenBSD "an OpenBSD guest"
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
