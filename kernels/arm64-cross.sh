# shellcheck shell=sh
# What the two arm64 cross builds share, sourced from beside them by build-arm64-linux-kernel.sh
# and build-zfs-modules.sh (custom-os/debian-arm64/kernel.ts copies it with them and hashes its
# text into both cache keys). The caller sets $prog and defines usage().

die() {
  echo "$prog: $*" >&2
  exit 2
}

# Defaults: every CPU; the aarch64-linux-gnu- cross compiler unless this host is arm64 itself.
jobs=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)
if [ "$(uname -m)" = aarch64 ]; then cross=""; else cross=aarch64-linux-gnu-; fi

# parse_options "--name:var --list:+var ..." "$@": every option takes a value and sets its
# variable; ":+" appends it (space-separated, repeatable). -h/--help prints usage and exits 0;
# anything else, or an option without its value, exits 2 with one line.
parse_options() {
  _spec=$1
  shift
  while [ $# -gt 0 ]; do
    case $1 in -h | --help) usage; exit 0 ;; esac
    _var=""
    for _entry in $_spec; do
      [ "${_entry%%:*}" != "$1" ] || _var=${_entry#*:}
    done
    [ -n "$_var" ] || die "unknown argument '$1' (see --help)"
    [ $# -ge 2 ] || die "$1 needs a value"
    case $_var in
      +*) eval "${_var#+}=\"\${${_var#+}} \$2\"" ;;
      *) eval "$_var=\$2" ;;
    esac
    shift 2
  done
}

# The --jobs value and the cross compiler, checked before anything is built.
check_jobs_and_cross() {
  case $jobs in '' | *[!0-9]* | 0) die "--jobs: expected a positive number, got '$jobs'" ;; esac
  command -v "${cross}gcc" >/dev/null || die "cross compiler ${cross}gcc not found (apt-get install gcc-aarch64-linux-gnu)"
}
