#!/bin/sh
# Builds the M-series kernels one guest OS after the other and collects the artifacts:
#   start guest -> copy config + build script -> build inside -> copy artifacts back into
#   kernel-artifacts/<os>/ -> next OS; at the end, the success rate.
#
# Alpine and FreeBSD guests are started with Lima (FreeBSD: vmType qemu, the only one Lima
# supports for it). Lima cannot run NetBSD or OpenBSD, so those are built in a guest you
# booted yourself (for example with kbench's QEMU backend) and name through
# KBENCH_NETBSD_SSH / KBENCH_OPENBSD_SSH ("user@host:port", a user allowed to use doas/sudo);
# without it that OS is reported as skipped, not as built.
set -eu

prog=$(basename "$0")
here=$(cd "$(dirname "$0")" && pwd)
all_oses="alpine freebsd netbsd openbsd"

usage() {
  cat <<EOF
usage: $prog [--dry-run] [--only os[,os...]] [--out DIR] [--keep]

  --dry-run      print what would run for each OS and exit; starts nothing
  --only LIST    comma-separated subset of: $(echo "$all_oses" | tr ' ' ',')
  --out DIR      artifact root (default: ./kernel-artifacts)
  --keep         leave the Lima build instances running afterwards
env: KBENCH_NETBSD_SSH, KBENCH_OPENBSD_SSH = user@host:port of a running guest with sources
EOF
}
die() {
  echo "$prog: $*" >&2
  exit 2
}

dry_run=0 only='' out_root=./kernel-artifacts keep=0
while [ $# -gt 0 ]; do
  case $1 in
    --dry-run) dry_run=1 ;;
    --only) [ $# -ge 2 ] || die "--only needs a list"; only=$2; shift ;;
    --only=*) only=${1#--only=} ;;
    --out) [ $# -ge 2 ] || die "--out needs a directory"; out_root=$2; shift ;;
    --keep) keep=1 ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument: $1" ;;
  esac
  shift
done

oses=$all_oses
if [ -n "$only" ]; then
  oses=
  for os in $(echo "$only" | tr ',' ' '); do
    case " $all_oses " in *" $os "*) ;; *) die "--only: unknown OS '$os' (expected: $(echo "$all_oses" | tr ' ' ','))" ;; esac
    case " $oses " in *" $os "*) ;; *) oses="$oses $os" ;; esac
  done
  oses=${oses# }
  [ -n "$oses" ] || die "--only: empty list"
fi

# Per-OS facts: the files to copy in, the build command, where artifacts land in the guest.
conf_of() { case $1 in alpine) echo alpine-m-series.config ;; *) echo "$1-m-series-kernel.conf" ;; esac; }
script_of() { echo "build-$1-kernel.sh"; }
guest_out=/tmp/kbench-kernel-artifacts
lima_name() { echo "kbench-build-$1"; }
ssh_target_of() {
  case $1 in
    netbsd) echo "${KBENCH_NETBSD_SSH:-}" ;;
    openbsd) echo "${KBENCH_OPENBSD_SSH:-}" ;;
  esac
}

# FreeBSD images ship without /usr/src; fetch the matching release branch first.
# shellcheck disable=SC2016 # expanded by the guest's shell
freebsd_src_cmd='[ -f /usr/src/sys/arm64/conf/GENERIC ] || { pkg install -y git-lite && git clone --depth 1 --branch releng/$(freebsd-version -u | cut -d- -f1) https://git.freebsd.org/src.git /usr/src; }'

plan_os() {
  os=$1
  conf=$(conf_of "$os")
  script=$(script_of "$os")
  case $os in
    alpine | freebsd)
      name=$(lima_name "$os")
      if [ "$os" = alpine ]; then start="limactl start --tty=false --name=$name --cpus=4 --memory=8 template:alpine"; else start="limactl start --tty=false --name=$name --vm-type=qemu --cpus=4 --memory=8 template:freebsd"; fi
      echo "plan: $os: $start"
      echo "plan: $os: limactl copy kernels/$conf kernels/$script $name:/tmp/"
      [ "$os" = freebsd ] && echo "plan: $os: limactl shell $name -- sudo sh -c '<fetch /usr/src for this release if missing>'"
      echo "plan: $os: limactl shell $name -- sudo sh /tmp/$script --out $guest_out/$os"
      echo "plan: $os: limactl copy -r $name:$guest_out/$os/ $out_root/$os/"
      [ "$keep" = 1 ] || echo "plan: $os: limactl stop $name"
      ;;
    netbsd | openbsd)
      target=$(ssh_target_of "$os")
      if [ -z "$target" ]; then
        echo "plan: $os: skip (Lima cannot run $os; set KBENCH_$(echo "$os" | tr "[:lower:]" "[:upper:]")_SSH=user@host:port of a running guest)"
      else
        echo "plan: $os: scp kernels/$conf kernels/$script to $target:/tmp/"
        echo "plan: $os: ssh $target doas-or-sudo sh /tmp/$script --out $guest_out/$os"
        echo "plan: $os: scp -r $target:$guest_out/$os/ $out_root/$os/"
      fi
      ;;
  esac
}

echo "plan: build order: $oses"
for os in $oses; do plan_os "$os"; done
if [ "$dry_run" = 1 ]; then
  echo "dry run: nothing was started"
  exit 0
fi

mkdir -p "$out_root"
log_dir="$out_root/logs"
mkdir -p "$log_dir"
built='' failed='' skipped=''

build_lima() {
  os=$1
  name=$(lima_name "$os")
  command -v limactl >/dev/null 2>&1 || { echo "limactl not found"; return 1; }
  if ! limactl list --json 2>/dev/null | grep -q "\"name\":\"$name\""; then
    if [ "$os" = alpine ]; then
      limactl start --tty=false --name="$name" --cpus=4 --memory=8 template:alpine
    else
      limactl start --tty=false --name="$name" --vm-type=qemu --cpus=4 --memory=8 template:freebsd
    fi
  else
    limactl start --tty=false "$name"
  fi
  limactl copy "$here/$(conf_of "$os")" "$here/$(script_of "$os")" "$name:/tmp/"
  if [ "$os" = freebsd ]; then
    limactl shell "$name" -- sudo sh -c "$freebsd_src_cmd"
  fi
  limactl shell "$name" -- sudo sh "/tmp/$(script_of "$os")" --out "$guest_out/$os"
  mkdir -p "$out_root/$os"
  limactl copy -r "$name:$guest_out/$os/." "$out_root/$os/"
  [ "$keep" = 1 ] || limactl stop "$name"
}

build_ssh() {
  os=$1
  target=$(ssh_target_of "$os")
  host=${target%:*}
  port=${target##*:}
  [ "$port" != "$target" ] || port=22
  scp -P "$port" "$here/$(conf_of "$os")" "$here/$(script_of "$os")" "$host:/tmp/"
  # shellcheck disable=SC2016 # expanded by the guest's shell
  ssh -p "$port" "$host" 'if command -v doas >/dev/null 2>&1; then s=doas; else s=sudo; fi; $s sh /tmp/'"$(script_of "$os")"' --out '"$guest_out/$os"
  mkdir -p "$out_root/$os"
  scp -r -P "$port" "$host:$guest_out/$os/." "$out_root/$os/"
}

for os in $oses; do
  case $os in
    netbsd | openbsd)
      if [ -z "$(ssh_target_of "$os")" ]; then
        echo "$os: skipped (no guest given)"
        skipped="$skipped $os"
        continue
      fi
      ;;
  esac
  echo "$os: building (log: $log_dir/$os.log)"
  start_s=$(date +%s)
  case $os in
    alpine | freebsd) runner=build_lima ;;
    *) runner=build_ssh ;;
  esac
  # Not inside `if`: there, set -e would be off in the subshell and a failed step would
  # be followed by the next one.
  set +e
  (
    set -e
    $runner "$os"
  ) >"$log_dir/$os.log" 2>&1
  rc=$?
  set -e
  if [ "$rc" = 0 ]; then
    echo "$os: built in $(($(date +%s) - start_s))s -> $out_root/$os"
    built="$built $os"
  else
    echo "$os: FAILED after $(($(date +%s) - start_s))s; last lines of $log_dir/$os.log:"
    tail -n 15 "$log_dir/$os.log" | sed 's/^/  /'
    failed="$failed $os"
  fi
done

n_built=$(echo "$built" | wc -w | tr -d ' ')
n_failed=$(echo "$failed" | wc -w | tr -d ' ')
attempted=$((n_built + n_failed))
echo "built: ${built:- none}"
echo "failed: ${failed:- none}"
echo "skipped: ${skipped:- none}"
echo "success rate: $n_built/$attempted attempted ($(echo "$oses" | wc -w | tr -d ' ') requested)"
[ "$n_failed" = 0 ] || exit 1
