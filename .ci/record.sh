#!/bin/sh
# On main (.github/workflows/perf-regression.yml): the trend. `kbench run` (stock vs custom on
# the Debian testbed) is recorded into the history database ($KBENCH_DB, which the workflow
# carries from run to run), then compared with the stored baseline of this runner class for the
# job summary. A class with no stored baseline passes with a notice, and this run is written as
# its baseline ($out/baseline-<class>.json) for the workflow to upload: commit it as
# baselines/<class>.json to keep the trend. The trend never fails the job: runs of different
# days cross run-to-run drift (the pull-request gate compares within one run instead).
#
# Usage: .ci/record.sh [extra kbench run flags]
# Environment: KBENCH_RECORD_OUT (default runs/main), KBENCH_BASELINES (default baselines),
#   GITHUB_STEP_SUMMARY (appended when set).
# Exit: 0 recorded (with or without a baseline), 2 bad input, 3 infrastructure.
set -u
kbench_root=$(cd "$(dirname "$0")/.." && pwd)
kbench() { node "$kbench_root/bin/kbench.mjs" "$@"; }
out=${KBENCH_RECORD_OUT:-runs/main}
baselines=${KBENCH_BASELINES:-baselines}
summary=${GITHUB_STEP_SUMMARY:-/dev/null}

kbench run --target debian-testbed --out "$out/results.json" "$@" || exit $?
class=$(kbench gate --runner-class "$out/results.json") || exit $?

stored="$baselines/$class.json"
if [ ! -f "$stored" ] && [ -f baseline.json ] && [ "$(kbench gate --runner-class baseline.json 2>/dev/null)" = "$class" ]; then
  stored=baseline.json
fi
if [ ! -f "$stored" ]; then
  kbench baseline update "$out/results.json" --file "$out/baseline-$class.json" || exit $?
  message="no stored baseline for runner class $class: this run passes and is uploaded as baseline-$class.json (commit it as $baselines/$class.json)"
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
