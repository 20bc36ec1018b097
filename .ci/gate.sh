#!/bin/sh
# Pull-request gate (.github/workflows/perf-regression.yml): `kbench gate` boots the candidate
# revision's custom kernel profile and its base's alternately in one run and fails on a
# regression of the candidate. Its Markdown (regressions first, the plan's "detects" line) is
# appended to the job summary; its folder (report.html, results.json, summary.md, gate.json,
# logs/) is what the workflow uploads.
#
# Usage: .ci/gate.sh [extra kbench gate flags, e.g. --runs 3 --only checksum]
# Environment:
#   KBENCH_GATE_REPO     git repository the two revisions are read from (default: .)
#   KBENCH_GATE_OUT      output folder, must not hold a results.json yet (default: runs/gate)
#   KBENCH_GATE_BASE     base revision (default: the merge base of HEAD and origin/$GITHUB_BASE_REF,
#                        or of HEAD and origin/main outside a pull request: kbench gate's default)
#   GITHUB_BASE_REF      set by GitHub on pull_request events
#   GITHUB_STEP_SUMMARY  set by GitHub: the summary is appended there when set
# Exit: kbench gate's own: 0 pass, 1 regression, 2 bad input, 3 infrastructure.
set -u
kbench_root=$(cd "$(dirname "$0")/.." && pwd)
repo=${KBENCH_GATE_REPO:-.}
out=${KBENCH_GATE_OUT:-runs/gate}

base=${KBENCH_GATE_BASE:-}
if [ -z "$base" ] && [ -n "${GITHUB_BASE_REF:-}" ]; then
  # A shallow checkout has no merge base: the workflow checks out with fetch-depth 0.
  base=$(git -C "$repo" merge-base HEAD "origin/$GITHUB_BASE_REF") || {
    echo "::error title=kbench gate::no merge base of HEAD and origin/$GITHUB_BASE_REF (is the checkout shallow?)"
    exit 2
  }
fi

# The plan's noise and costs: the repository's own baseline.json (kbench gate reads ./baseline.json
# otherwise, which is the same file when the gate runs in the checkout, as in the workflow).
baseline=""
[ -f "$repo/baseline.json" ] && baseline="$repo/baseline.json"
set -- --repo "$repo" --out "$out" ${base:+--base "$base"} ${baseline:+--baseline "$baseline"} "$@"
node "$kbench_root/bin/kbench.mjs" gate "$@"
code=$?

if [ -f "$out/summary.md" ] && [ -f "$out/gate.json" ]; then
  if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then cat "$out/summary.md" >>"$GITHUB_STEP_SUMMARY"; fi
  # The annotation is plain text, not Markdown: gate.json's headline (summary.md's first line is
  # Markdown-escaped), with the three characters a workflow command must escape.
  # shellcheck disable=SC2016 # the single-quoted text is JavaScript
  headline=$(node -e '
    const gate = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const line = `kbench gate (${gate.target}): ${gate.exitCode === 0 ? "✓" : "✗"} ${gate.headline}`;
    process.stdout.write(line.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A"));
  ' "$out/gate.json")
else
  headline="kbench gate exited $code before writing a summary (see the log above)"
fi
case $code in
  0) echo "::notice title=kbench gate::$headline" ;;
  1) echo "::error title=kbench gate::$headline" ;;
  *) echo "::error title=kbench gate (exit $code)::$headline" ;;
esac
exit $code
