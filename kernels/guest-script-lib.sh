# What every guest-side build script shares (sourced, not run): its name in messages, exit 2 on
# bad input, option parsing from a one-line table, the dry-run stop after the plan, and the
# "inside which system, as root" check. `kbench build` copies this file into the guest beside the
# script it runs; custom-os/*/ scripts find it in the repository's kernels/ folder.

prog=$(basename "$0")

die() {
  echo "$prog: $*" >&2
  exit 2
}

# kernel_build_usage OS NAME EXTRA JOBS: the usage lines every BSD kernel build shares (its
# source tree, the NAME-m-series-kernel.conf beside it, make's -j, kernel-artifacts/NAME/); the
# script prints its own options (EXTRA in the synopsis) after them.
kernel_build_usage() {
  cat <<USAGE
usage: $prog [--dry-run] [--src DIR] [--conf FILE] [--jobs N] [--out DIR] $3

  --dry-run       print the plan and exit; changes nothing
  --src DIR       $1 source tree (default: /usr/src)
  --conf FILE     kernel config (default: $2-m-series-kernel.conf beside this script)
  --jobs N        $4
  --out DIR       artifact directory (default: ./kernel-artifacts/$2)
USAGE
}

# parse_options TABLE "$@": TABLE is one word per option. "--src=src:directory" takes a value
# into $src ("--src needs a directory" when it is missing); "--no-install=install=0" is a flag
# that sets $install to 0. -h/--help prints the script's usage(); anything else is refused.
# Values are assigned through eval with the name from TABLE (the script's own words), never
# from an argument.
parse_options() {
  table=$1
  shift
  while [ $# -gt 0 ]; do
    case $1 in -h | --help)
      usage
      exit 0
      ;;
    esac
    entry=''
    for option in $table; do
      case $option in "$1="*) entry=${option#"$1="} ;; esac
    done
    case $entry in
      '')
        usage >&2
        die "unknown argument: $1"
        ;;
      *=*) eval "${entry%%=*}=\${entry#*=}" ;;
      *:*)
        [ $# -ge 2 ] || die "$1 needs a ${entry#*:}"
        eval "${entry%%:*}=\$2"
        shift
        ;;
    esac
    shift
  done
}

# parse_kernel_build_options NAME EXTRA_TABLE "$@": the options every BSD kernel build takes
# (defaults: /usr/src, NAME-m-series-kernel.conf beside the script, make's own -j,
# ./kernel-artifacts/NAME) and the script's own EXTRA_TABLE; the config must exist.
parse_kernel_build_options() {
  name=$1 extra=$2
  shift 2
  dry_run=0 src=/usr/src conf="$here/$name-m-series-kernel.conf" jobs='' out_dir=./kernel-artifacts/$name
  parse_options "--dry-run=dry_run=1 --src=src:directory --conf=conf:file --jobs=jobs:number --out=out_dir:directory $extra" "$@"
  [ -f "$conf" ] || die "kernel config not found: $conf"
  require_positive --jobs "$jobs"
}

# require_positive NAME VALUE: empty (the default) or a whole number above 0.
require_positive() {
  [ -z "$2" ] || case $2 in *[!0-9]* | 0) die "$1: expected a positive number, got '$2'" ;; esac
}

# stop_if_dry_run: the plan lines are printed; with --dry-run nothing after them runs.
stop_if_dry_run() {
  if [ "$dry_run" = 1 ]; then
    echo "dry run: nothing was changed"
    exit 0
  fi
}

# require_root_inside UNAME WHERE: this script changes the system it runs on, so it must be that
# system ("a FreeBSD guest"), as root.
require_root_inside() {
  [ "$(uname -s)" = "$1" ] || die "this script runs inside $2 (uname -s is $(uname -s))"
  [ "$(id -u)" = 0 ] || die "run as root"
}
