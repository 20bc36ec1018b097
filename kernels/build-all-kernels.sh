#!/bin/sh
# The seed's orchestrator, kept for its command line: `kbench build` does the work now (per OS:
# start the builder -- Lima VM, a guest over SSH, or the local arm64 cross build -- copy config
# and script, build, extract to kernel-artifacts/<os>/, SHA256SUMS, success rate; resumable).
# --only maps to --os; every other option is passed through unchanged.
set -eu

prog=$(basename "$0")
here=$(cd "$(dirname "$0")" && pwd)

usage() {
  cat <<USAGE
usage: $prog [--dry-run] [--only os[,os...]] [--out DIR] [--keep] [--force] [--json]
  the same as: kbench build [--os LIST] ...   (see: kbench build --help)
  OSes: alpine,freebsd,netbsd,openbsd,debian-arm64
USAGE
}

args=""
add() {
  # Single-quote each argument so `eval set --` rebuilds the list exactly.
  args="$args '$(printf '%s' "$1" | sed "s/'/'\\\\''/g")'"
}
while [ $# -gt 0 ]; do
  case $1 in
    --only)
      [ $# -ge 2 ] || { echo "$prog: --only needs a list" >&2; exit 2; }
      add --os
      add "$2"
      shift
      ;;
    --only=*)
      add --os
      add "${1#--only=}"
      ;;
    -h | --help)
      usage
      exit 0
      ;;
    *) add "$1" ;;
  esac
  shift
done
eval "set -- $args"
exec node "$here/../bin/kbench.mjs" build "$@"
