#!/bin/sh
# Builds the kbench M-series Linux kernel inside an Alpine arm64 guest, as root.
#
# Takes the source of the kernel release that Alpine's linux-virt package ships (or a pinned
# one), merges kernels/alpine-m-series.config onto linux-virt's own config, refuses to go on
# if any requested option was dropped by `make olddefconfig`, builds Image + modules (+ the
# OpenZFS module for this kernel), and writes kernel-artifacts/alpine/:
#   vmlinuz-m-series    uncompressed arm64 Image (what Lima's vz driver requires)
#   initramfs-m-series  mkinitfs initramfs for this kernel release
#   config-m-series     the final .config
#   modules-m-series.tar.gz  /lib/modules/<release> for the guest's root filesystem
#   zfs-patches.txt     the OpenZFS version and the aports patches applied to it (or "none")
#   SHA256SUMS
#
# OpenZFS is built from the same source and patches as the stock side's zfs-virt: the release
# tarball of the installed zfs package's version, plus every *.patch in the source= list of
# aports main/zfs-lts/APKBUILD (zfs-virt is its _extra flavour) on this release's
# <major.minor>-stable branch, e.g. aarch64-disable-neon.patch, which takes the NEON fletcher-4
# and raidz code out. Without them the checksum comparison would mix a kernel change with a ZFS
# source change; --zfs-patches none builds plain OpenZFS and says so in zfs-patches.txt.
set -eu

prog=$(basename "$0")
here=$(cd "$(dirname "$0")" && pwd)

usage() {
  cat <<EOF
usage: $prog [options]
       $prog --check-config FINAL_CONFIG [--fragment FILE] [--page-size 16k|4k]

Build the M-series kernel in this Alpine arm64 guest (run as root).

  --dry-run               print the plan and exit; changes nothing
  --kernel-version X.Y.Z  kernel release to build (default: the installed linux-virt's;
                          env KERNEL_VERSION)
  --base-config FILE      config to merge onto (default: /boot/config-virt)
  --fragment FILE         fragment to merge (default: alpine-m-series.config beside this script)
  --page-size 16k|4k      override the fragment's page size (default: 16k, as the fragment)
  --out DIR               artifact directory (default: ./kernel-artifacts/alpine)
  --work DIR              source and build directory (default: /var/tmp/kbench-kernel)
  --jobs N                parallel make jobs (default: nproc)
  --zfs-version V         OpenZFS release to build against the kernel (default: the
                          installed zfs package's version; env ZFS_VERSION)
  --no-zfs                skip the OpenZFS module
  --zfs-patches aports|none  apply zfs-lts's patches from aports (default) or none
  --print-zfs-patches APKBUILD  print the *.patch names of APKBUILD's source= list; exit
  --allow-unknown         only warn about fragment options this kernel version does not have
  --check-config FILE     only check FILE (a final .config) against the fragment; exit 1
                          listing every requested option that did not survive (the kernel
                          version comes from --kernel-version or FILE's header)
  --show-versions         print the installed linux-virt and zfs versions as apk reports
                          them, and the number of options requested for that kernel; exit
  --print-fragment        print the fragment as requested for --kernel-version; exit
  -h, --help              this text
EOF
}

die() {
  echo "$prog: $*" >&2
  exit 2
}

dry_run=0
kernel_version=${KERNEL_VERSION:-}
base_config=/boot/config-virt
fragment="$here/alpine-m-series.config"
page_size=16k
out_dir=./kernel-artifacts/alpine
work_dir=/var/tmp/kbench-kernel
jobs=
zfs_version=${ZFS_VERSION:-}
with_zfs=1
zfs_patches=aports
print_patches_of=
allow_unknown=0
check_only=
show_versions=0
print_fragment=0

while [ $# -gt 0 ]; do
  case $1 in
    --dry-run) dry_run=1 ;;
    --kernel-version) [ $# -ge 2 ] || die "--kernel-version needs a value"; kernel_version=$2; shift ;;
    --base-config) [ $# -ge 2 ] || die "--base-config needs a file"; base_config=$2; shift ;;
    --fragment) [ $# -ge 2 ] || die "--fragment needs a file"; fragment=$2; shift ;;
    --page-size) [ $# -ge 2 ] || die "--page-size needs 16k or 4k"; page_size=$2; shift ;;
    --out) [ $# -ge 2 ] || die "--out needs a directory"; out_dir=$2; shift ;;
    --work) [ $# -ge 2 ] || die "--work needs a directory"; work_dir=$2; shift ;;
    --jobs) [ $# -ge 2 ] || die "--jobs needs a number"; jobs=$2; shift ;;
    --zfs-version) [ $# -ge 2 ] || die "--zfs-version needs a value"; zfs_version=$2; shift ;;
    --no-zfs) with_zfs=0 ;;
    --zfs-patches) [ $# -ge 2 ] || die "--zfs-patches needs aports or none"; zfs_patches=$2; shift ;;
    --print-zfs-patches) [ $# -ge 2 ] || die "--print-zfs-patches needs an APKBUILD"; print_patches_of=$2; shift ;;
    --allow-unknown) allow_unknown=1 ;;
    --check-config) [ $# -ge 2 ] || die "--check-config needs a file"; check_only=$2; shift ;;
    --show-versions) show_versions=1 ;;
    --print-fragment) print_fragment=1 ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument: $1" ;;
  esac
  shift
done

case $page_size in 16k | 4k) ;; *) die "--page-size: expected 16k or 4k, got '$page_size'" ;; esac
case $zfs_patches in aports | none) ;; *) die "--zfs-patches: expected aports or none, got '$zfs_patches'" ;; esac

# The *.patch entries of an APKBUILD's source="..." list (one per line, in order).
apkbuild_patches() {
  awk '/^source="/ { inside = 1; sub(/^source="/, "") }
    inside { line = $0; done = sub(/".*$/, "", line); n = split(line, words, /[ \t]+/)
      for (i = 1; i <= n; i++) if (words[i] ~ /^[A-Za-z0-9._+-]+\.patch$/) print words[i]
      if (done) exit }' "$1"
}
if [ -n "$print_patches_of" ]; then
  [ -f "$print_patches_of" ] || die "APKBUILD not found: $print_patches_of"
  apkbuild_patches "$print_patches_of"
  exit 0
fi
case $kernel_version in '' | [0-9]*.[0-9]*) ;; *) die "--kernel-version: expected X.Y[.Z], got '$kernel_version'" ;; esac
[ -z "$jobs" ] || case $jobs in *[!0-9]* | 0) die "--jobs: expected a positive number, got '$jobs'" ;; esac
[ -f "$fragment" ] || die "fragment not found: $fragment"

# Drops every option tagged "# kbench-linux-before: X.Y" when $kernel_version is X.Y or
# newer (an unknown version keeps them: the declared-names check then decides).
version_filtered_fragment() {
  awk -v have="$kernel_version" 'function older(v, limit,   a, b) {
      split(v, a, "."); split(limit, b, ".")
      if (a[1] + 0 != b[1] + 0) return a[1] + 0 < b[1] + 0
      return a[2] + 0 < b[2] + 0
    }
    /^# kbench-linux-before: [0-9]+\.[0-9]+$/ { before = $3; next }
    before != "" && /^(CONFIG_|# CONFIG_)/ {
      limit = before; before = ""
      if (have != "" && !older(have, limit)) next
    }
    { print }
  ' "$fragment"
}

# The fragment as actually requested: for this kernel version, and with the page-size lines
# replaced when --page-size 4k.
effective_fragment() {
  if [ "$page_size" = 4k ]; then
    version_filtered_fragment | grep -v -E '^(CONFIG_ARM64_(4K|16K)_PAGES=|# CONFIG_ARM64_(4K|16K)_PAGES is not set)'
    echo 'CONFIG_ARM64_4K_PAGES=y'
    echo '# CONFIG_ARM64_16K_PAGES is not set'
  else
    version_filtered_fragment
  fi
}

requested_count() {
  effective_fragment | grep -c -E '^(CONFIG_|# CONFIG_.* is not set$)'
}

# The installed version of an apk package, "6.18.9" from "linux-virt-6.18.9-r0". Only
# `apk -v info -e NAME` prints NAME-VERSION lines: plain `apk -v info NAME` prints
# "NAME: <description>" (apk-tools src/app_info.c, v2.14.10 and v3.0.6).
apk_installed_version() {
  apk -v info -e "$1" 2>/dev/null | sed -n -E "s/^$1-([0-9][0-9a-z._]*)-r[0-9]+\$/\1/p" | head -n 1
}

# Prints one line per requested option that the final config does not honour; an option
# asked to be off fails only if it ended up =y or =m.
dropped_options() {
  final=$1
  effective_fragment | awk '
    FNR == NR {
      if (match($0, /^CONFIG_[A-Za-z0-9_]+=/)) { have[substr($0, 1, RLENGTH - 1)] = substr($0, RLENGTH + 1) }
      next
    }
    /^CONFIG_[A-Za-z0-9_]+=/ {
      eq = index($0, "="); name = substr($0, 1, eq - 1); want = substr($0, eq + 1)
      if (want == "n") { if (have[name] == "y" || have[name] == "m") print name "=n requested, final " name "=" have[name]; next }
      if (!(name in have)) print name "=" want " requested, final: not set"
      else if (have[name] != want) print name "=" want " requested, final " name "=" have[name]
      next
    }
    /^# CONFIG_[A-Za-z0-9_]+ is not set$/ {
      name = $2
      if (have[name] == "y" || have[name] == "m") print name " requested off, final " name "=" have[name]
    }
  ' "$final" -
}

check_config() {
  final=$1
  [ -f "$final" ] || die "config not found: $final"
  if [ -z "$kernel_version" ]; then
    # "# Linux/arm64 6.18.9 Kernel Configuration" (scripts/kconfig/confdata.c header).
    kernel_version=$(sed -n -E '1,5s/^# Linux\/[a-z0-9_]+ ([0-9]+\.[0-9]+[0-9.]*).* Kernel Configuration$/\1/p' "$final" | head -n 1)
  fi
  dropped=$(dropped_options "$final")
  if [ -n "$dropped" ]; then
    echo "$prog: $(printf '%s\n' "$dropped" | wc -l | tr -d ' ') requested option(s) did not survive in $final:" >&2
    printf '%s\n' "$dropped" | sed 's/^/  /' >&2
    return 1
  fi
  echo "all $(requested_count) requested options survived in $final${kernel_version:+ (Linux $kernel_version)}"
}

if [ -n "$check_only" ]; then
  check_config "$check_only" || exit 1
  exit 0
fi

if [ "$print_fragment" = 1 ]; then
  effective_fragment
  exit 0
fi

if [ "$show_versions" = 1 ]; then
  if [ -z "$kernel_version" ]; then
    kernel_version=$(apk_installed_version linux-virt)
    [ -n "$kernel_version" ] || die "cannot read the linux-virt version (apk -v info -e linux-virt); pass --kernel-version"
  fi
  echo "linux-virt $kernel_version"
  if [ "$with_zfs" = 1 ]; then
    [ -n "$zfs_version" ] || zfs_version=$(apk_installed_version zfs)
    [ -n "$zfs_version" ] || die "cannot read the zfs package version (apk -v info -e zfs); pass --zfs-version or --no-zfs"
    echo "zfs $zfs_version"
  fi
  echo "requested options $(requested_count)"
  exit 0
fi

# Requested symbols that this kernel's Kconfig files do not declare at all (renamed or
# removed upstream, e.g. arm64 SHA-2 moved into lib/crypto after 6.15).
unknown_symbols() {
  src=$1
  effective_fragment | sed -n -E 's/^CONFIG_([A-Za-z0-9_]+)=.*/\1/p; s/^# CONFIG_([A-Za-z0-9_]+) is not set$/\1/p' | sort -u >"$work_dir/requested.names"
  { find "$src" -path "$src/arch" -prune -o -name 'Kconfig*' -print; find "$src/arch/arm64" "$src/arch/Kconfig" -name 'Kconfig*'; } |
    xargs sed -n -E 's/^[[:space:]]*(menu)?config[[:space:]]+([A-Z0-9_]+)[[:space:]]*$/\2/p' | sort -u >"$work_dir/declared.names"
  comm -23 "$work_dir/requested.names" "$work_dir/declared.names"
}

step=0
plan() {
  step=$((step + 1))
  echo "plan: $step. $*"
}

# --- the plan (printed in --dry-run, executed otherwise) -------------------------------------
version_shown=${kernel_version:-"<installed linux-virt version>"}
zfs_shown=${zfs_version:-"<installed zfs package version>"}
major=${kernel_version%%.*}
if [ "$with_zfs" = 1 ]; then
  plan "apk add build-base linux-headers bc flex bison elfutils-dev openssl-dev perl ncurses-dev xz mkinitfs (+ autoconf automake libtool util-linux-dev libtirpc-dev attr-dev for OpenZFS)"
else
  plan "apk add build-base linux-headers bc flex bison elfutils-dev openssl-dev perl ncurses-dev xz mkinitfs"
fi
plan "fetch linux-$version_shown.tar.xz and sha256sums.asc from cdn.kernel.org/pub/linux/kernel/v${major:-N}.x/, verify the SHA-256"
plan "unpack into $work_dir/linux-$version_shown"
plan "merge $(basename "$fragment") (page size $page_size) onto $base_config with scripts/kconfig/merge_config.sh, then make ARCH=arm64 olddefconfig"
plan "check that every requested option survived olddefconfig; stop listing the dropped ones"
plan "make -j${jobs:-<nproc>} ARCH=arm64 Image modules"
plan "modules_install into $work_dir/staging and /lib/modules/<release>"
if [ "$with_zfs" = 1 ]; then
  if [ "$zfs_patches" = aports ]; then
    plan "fetch aports main/zfs-lts/APKBUILD (<alpine major.minor>-stable), check its _ver is $zfs_shown, apply every *.patch of its source= list"
  else
    plan "no aports patches (--zfs-patches none): plain OpenZFS $zfs_shown, recorded in zfs-patches.txt"
  fi
  plan "build OpenZFS $zfs_shown kernel modules against this kernel tree and install them into the same places"
fi
plan "mkinitfs for <release> -> $out_dir/initramfs-m-series"
plan "write $out_dir/vmlinuz-m-series (arch/arm64/boot/Image), config-m-series, modules-m-series.tar.gz$([ "$with_zfs" = 0 ] || echo ', zfs-patches.txt'), SHA256SUMS"

if [ "$dry_run" = 1 ]; then
  echo "dry run: nothing was changed"
  exit 0
fi

# --- execution ---------------------------------------------------------------------------
[ "$(id -u)" = 0 ] || die "run as root (apk add, /lib/modules)"
[ -f /etc/alpine-release ] || die "this script runs inside an Alpine guest (/etc/alpine-release missing)"
[ "$(uname -m)" = aarch64 ] || die "this script builds natively on arm64; uname -m is $(uname -m)"
[ -f "$base_config" ] || die "base config not found: $base_config (install linux-virt or pass --base-config)"

apk add --no-cache build-base linux-headers bc flex bison elfutils-dev openssl-dev perl ncurses-dev xz \
  mkinitfs findutils diffutils
if [ "$with_zfs" = 1 ]; then
  apk add --no-cache autoconf automake libtool util-linux-dev libtirpc-dev attr-dev
fi

if [ -z "$kernel_version" ]; then
  kernel_version=$(apk_installed_version linux-virt)
  [ -n "$kernel_version" ] || die "cannot read the linux-virt version (apk -v info -e linux-virt); pass --kernel-version"
fi
if [ "$with_zfs" = 1 ] && [ -z "$zfs_version" ]; then
  zfs_version=$(apk_installed_version zfs)
  [ -n "$zfs_version" ] || die "cannot read the zfs package version (apk -v info -e zfs); pass --zfs-version or --no-zfs"
fi
major=${kernel_version%%.*}
jobs=${jobs:-$(nproc)}

mkdir -p "$work_dir" "$out_dir"
out_dir=$(cd "$out_dir" && pwd)
cd "$work_dir"
tarball=linux-$kernel_version.tar.xz
base_url=https://cdn.kernel.org/pub/linux/kernel/v$major.x
[ -f "$tarball" ] || wget -q -O "$tarball" "$base_url/$tarball"
wget -q -O sha256sums.asc "$base_url/sha256sums.asc"
grep " $tarball\$" sha256sums.asc | sha256sum -c - || die "SHA-256 of $tarball does not match kernel.org's sha256sums.asc"

src=$work_dir/linux-$kernel_version
build=$work_dir/build-m-series
staging=$work_dir/staging
[ -d "$src" ] || tar -xJf "$tarball"
rm -rf "$build" "$staging"
mkdir -p "$build" "$staging"

unknown=$(unknown_symbols "$src")
if [ -n "$unknown" ]; then
  echo "$prog: Linux $kernel_version declares none of these fragment options:" >&2
  printf '%s\n' "$unknown" | sed 's/^/  CONFIG_/' >&2
  [ "$allow_unknown" = 1 ] || die "pin a kernel that has them (--kernel-version) or accept their loss with --allow-unknown"
fi

effective_fragment >"$work_dir/fragment.config"
if [ -n "$unknown" ]; then
  # Accepted losses are not requests any more.
  for name in $unknown; do
    sed -i -E "/^(CONFIG_$name=|# CONFIG_$name is not set)/d" "$work_dir/fragment.config"
  done
fi
fragment=$work_dir/fragment.config
page_size=as-is

cp "$base_config" "$build/.config"
(cd "$src" && ARCH=arm64 scripts/kconfig/merge_config.sh -m -O "$build" "$build/.config" "$fragment")
make -C "$src" O="$build" ARCH=arm64 olddefconfig
check_config "$build/.config" || die "the fragment was not applied as written; see the list above"

make -C "$src" O="$build" ARCH=arm64 -j"$jobs" Image modules
release=$(make -s -C "$src" O="$build" ARCH=arm64 kernelrelease)
make -C "$src" O="$build" ARCH=arm64 INSTALL_MOD_PATH="$staging" INSTALL_MOD_STRIP=1 modules_install
rm -f "$staging/lib/modules/$release/build" "$staging/lib/modules/$release/source"

if [ "$with_zfs" = 1 ]; then
  zfs_tar=zfs-$zfs_version.tar.gz
  [ -f "$zfs_tar" ] || wget -q -O "$zfs_tar" "https://github.com/openzfs/zfs/releases/download/zfs-$zfs_version/$zfs_tar"
  rm -rf "zfs-$zfs_version"
  tar -xzf "$zfs_tar"
  printf 'openzfs %s\n' "$zfs_version" >"$out_dir/zfs-patches.txt"
  if [ "$zfs_patches" = aports ]; then
    branch=$(cut -d. -f1,2 /etc/alpine-release)-stable
    aports=https://gitlab.alpinelinux.org/alpine/aports/-/raw/$branch/main/zfs-lts
    wget -q -O zfs-lts.APKBUILD "$aports/APKBUILD" || die "cannot fetch $aports/APKBUILD"
    lts_ver=$(sed -n 's/^_ver=//p' zfs-lts.APKBUILD)
    [ "$lts_ver" = "$zfs_version" ] || die "aports $branch zfs-lts builds OpenZFS $lts_ver, not $zfs_version: pass --zfs-version $lts_ver (or --zfs-patches none)"
    for patch in $(apkbuild_patches zfs-lts.APKBUILD); do
      wget -q -O "$patch" "$aports/$patch" || die "cannot fetch $aports/$patch"
      patch -d "zfs-$zfs_version" -p1 <"$patch" >/dev/null || die "$patch does not apply to OpenZFS $zfs_version"
      printf 'patch %s (aports %s main/zfs-lts)\n' "$patch" "$branch" >>"$out_dir/zfs-patches.txt"
    done
  else
    echo 'patches none (--zfs-patches none: differs from zfs-virt by every aports patch)' >>"$out_dir/zfs-patches.txt"
  fi
  (
    cd "zfs-$zfs_version"
    ./configure --with-config=kernel --with-linux="$src" --with-linux-obj="$build"
    make -j"$jobs"
    make -C module INSTALL_MOD_PATH="$staging" INSTALL_MOD_STRIP=1 modules_install
  )
  depmod -b "$staging" "$release"
fi

# The guest that boots this kernel needs its modules in its own root filesystem too.
rm -rf "/lib/modules/$release"
cp -a "$staging/lib/modules/$release" /lib/modules/
mkinitfs -o "$out_dir/initramfs-m-series" "$release"

cp "$build/arch/arm64/boot/Image" "$out_dir/vmlinuz-m-series"
cp "$build/.config" "$out_dir/config-m-series"
tar -czf "$out_dir/modules-m-series.tar.gz" -C "$staging" "lib/modules/$release"
sums="vmlinuz-m-series initramfs-m-series config-m-series modules-m-series.tar.gz"
[ "$with_zfs" = 0 ] || sums="$sums zfs-patches.txt"
# shellcheck disable=SC2086 # a list of plain file names
(cd "$out_dir" && sha256sum $sums >SHA256SUMS)
echo "built $release -> $out_dir"
