#!/bin/sh
# On main (.github/workflows/perf-regression.yml): the trend. `kbench run` (stock vs custom on
# the Debian testbed) is recorded into the history database ($KBENCH_DB, which the workflow
# carries from run to run), then compared with the stored baseline of this runner class for the
# job summary. A class with no stored baseline passes with a notice, and this run is written as
# its baseline ($out/baseline-<target>-<class>.json) for the workflow to upload: commit it as
# baselines/<target>-<class>.json to keep the trend. (baseline.json, this project's development
# host, counts for the debian-testbed target on its own class.) The trend never fails the job: runs of different
# days cross run-to-run drift (the pull-request gate compares within one run instead).
#
# Usage: .ci/record.sh [extra kbench run flags]
# Environment: KBENCH_RECORD_OUT (default runs/main), KBENCH_BASELINES (default baselines),
#   KBENCH_RECORD_TARGET (default debian-testbed), KBENCH_RECORD_BACKEND (default: the target's),
#   KBENCH_RECORD_RESULTS (a finished run's results.json to judge instead of running one here:
#   copied into the output folder; not added to the history, which only kbench run does),
#   GITHUB_STEP_SUMMARY (appended when set).
# Exit: 0 recorded (with or without a baseline), 2 bad input, 3 infrastructure.
set -u
kbench_root=$(cd "$(dirname "$0")/.." && pwd)
kbench() { node "$kbench_root/bin/kbench.mjs" "$@"; }
out=${KBENCH_RECORD_OUT:-runs/main}
baselines=${KBENCH_BASELINES:-baselines}
summary=${GITHUB_STEP_SUMMARY:-/dev/null}

target=${KBENCH_RECORD_TARGET:-debian-testbed}
backend=${KBENCH_RECORD_BACKEND:-}
if [ -n "${KBENCH_RECORD_RESULTS:-}" ]; then
  mkdir -p "$out" && cp "$KBENCH_RECORD_RESULTS" "$out/results.json" || exit 2
else
  kbench run --target "$target" ${backend:+--backend "$backend"} --out "$out/results.json" "$@" || exit $?
fi
class=$(kbench gate --runner-class "$out/results.json") || exit $?

name="$target-$class"
stored="$baselines/$name.json"
if [ ! -f "$stored" ] && [ "$target" = debian-testbed ] && [ -f baseline.json ] && [ "$(kbench gate --runner-class baseline.json 2>/dev/null)" = "$class" ]; then
  stored=baseline.json
fi
if [ ! -f "$stored" ]; then
  kbench baseline update "$out/results.json" --file "$out/baseline-$name.json" || exit $?
  message="no stored baseline for $target on runner class $class: this run passes and is uploaded as baseline-$name.json (commit it as $baselines/$name.json)"
  echo "::notice title=kbench trend::$message"
  printf '## kbench trend (main)\n\n%s\n\n' "$message" >>"$summary"
  kbench report "$out/results.json" --format md -o "$out/summary.md" && cat "$out/summary.md" >>"$summary"
  kbench report "$out/results.json" -o "$out/report.html"
  exit 0
fi

kbench report "$out/results.json" --baseline "$stored" --format md -o "$out/summary.md" && cat "$out/summary.md" >>"$summary"
kbench report "$out/results.json" --baseline "$stored" -o "$out/report.html"
kbench compare "$out/results.json" --baseline "$stored" --fail-on-incomparable
code=$?
case $code in
  0) echo "::notice title=kbench trend::no regression against $stored ($class)" ;;
  1) echo "::warning title=kbench trend::a regression against $stored ($class): see the job summary (the trend does not fail main)" ;;
  *) echo "::warning title=kbench trend::kbench compare against $stored exited $code" ;;
esac
exit 0
