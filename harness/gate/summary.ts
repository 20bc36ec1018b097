/**
 * `kbench gate`'s verdict, pure: the two sides of one run (base revision and candidate
 * revision, each booting its own custom side) judged against each other, as a Markdown job
 * summary (regressions first, then the plan's "detects" line), a terminal text and an exit
 * code. Every string from git (subjects, revision names) is escaped like results-file text.
 *
 * SLOTS: the results format has two kernel slots per guest OS (stock, custom). A gate run puts
 * the base revision's custom side in the `stock` slot and the candidate's custom side in the
 * `custom` slot, so the engine's alternation (stock, custom, stock, …) alternates base and
 * candidate, and custom-vs-stock pairing is candidate-vs-base. gate.json records this mapping.
 */
import type { ComparisonOutcome } from '../compare/index.ts';
import { EXIT_OK, EXIT_REGRESSION } from '../errors/index.ts';
import { escapeMarkdown } from '../render/exporters/markdown.ts';
import { formatDelta, formatP, formatSide, formatSpeedup, VERDICT_LABEL, VERDICT_MARK } from '../render/format.ts';
import { reportSets, type ComparedRow } from '../render/rows.ts';
import { CONDITIONS_MARK, type ConditionsMarking } from '../render/exporters/text.ts';
import { describeGuestClock, guestClockOf, type HostFingerprint, type KernelVariant, type ResultsFile, type Unit } from '../results/schema.ts';
import type { RunPlan } from '../run/planner.ts';
import { PLANNING_POWER } from '../stats/index.ts';
import type { Side, SideDifference } from './revisions.ts';

export const BASE_SLOT: KernelVariant = 'stock';
export const CANDIDATE_SLOT: KernelVariant = 'custom';

export interface GateImage {
  /** The image's cache key (its inputs' hash). */
  key: string;
  /** Made from this cached image by writing another tuning into it, or null when built or found. */
  derivedFrom: string | null;
}

/** `getconf PAGESIZE` of each side's booted kernel (null: not recorded). */
export interface GatePageSizes {
  base: number | null;
  candidate: number | null;
}

export interface GateDescription {
  target: string;
  base: Side;
  candidate: Side;
  differences: SideDifference[];
  images: { base: GateImage; candidate: GateImage } | null;
  plan: RunPlan | null;
  /** The runner class the run measured on (runnerClass), or null when nothing ran. */
  runnerClass: string | null;
  host: HostFingerprint | null;
  /** Null until a run has booted both sides. */
  pageSizes?: GatePageSizes | null;
  files: { results: string | null; report: string | null; summary: string | null };
}

export interface GateVerdict {
  exitCode: number;
  headline: string;
  markdown: string;
  text: string;
}

const short = (commit: string): string => commit.slice(0, 12);
const code = (text: string): string => `\`${text.replace(/`/g, '')}\``;
const pct = (fraction: number): string => `${Number((fraction * 100).toPrecision(2))}%`;

/**
 * The class of runner a gate or trend run measured on: OS, architecture, acceleration, guest
 * clock ("linux-x64-qemu-tcg-icount0-sleep": icount shift=0, sleep=on). Baselines (the trend) are kept per class: numbers from another class never decide.
 */
export function runnerClass(host: HostFingerprint): string {
  const clock = guestClockOf(host);
  // sleep=on and sleep=off are different clocks (results/schema.ts), so different classes.
  const icount = clock.kind === 'icount' ? `icount${clock.shift}${clock.sleep === true ? '-sleep' : ''}` : 'wall';
  const parts = [host.os, host.arch, host.acceleration, icount];
  return parts
    .map((part) =>
      part
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, '-')
        .replace(/^-|-$/g, ''),
    )
    .join('-');
}

/** "detects" of every metric the plan sized, in one line: what this run could catch, at which power. */
export function detectsLine(plan: RunPlan): string {
  const boots = plan.fullRounds + plan.bootOnlyRounds;
  const parts = plan.metrics.map(
    (m) => `${m.metricId} ${m.exact ? 'any change (exact)' : m.detectableChange === null ? '—' : `>= ${pct(m.detectableChange)}`}`,
  );
  return `detects (${pct(PLANNING_POWER)} power, ${plan.fullRounds} full + ${plan.bootOnlyRounds} boot-only rounds = ${boots} boots a side): ${parts.join(', ')}`;
}

function imageLine(images: NonNullable<GateDescription['images']>): string {
  const one = (image: GateImage) =>
    `${short(image.key)}${image.derivedFrom === null ? '' : ` (derived from ${short(image.derivedFrom)}: only the ZFS tuning differs)`}`;
  return images.base.key === images.candidate.key
    ? `one image for both sides: ${one(images.base)}`
    : `base ${one(images.base)}, candidate ${one(images.candidate)}`;
}

function differenceText(differences: readonly SideDifference[], markdown: boolean): string {
  if (differences.length === 0) return 'none (the inputs are identical: an A/A run)';
  const show = (text: string) => (markdown ? code(text) : text);
  return differences.map((d) => `${show(d.path)} (${d.change})`).join(', ');
}

function sideText(side: Side, markdown: boolean): string {
  const esc = markdown ? escapeMarkdown : (text: string) => text;
  return `${markdown ? code(short(side.commit)) : short(side.commit)} "${esc(side.subject)}" (${esc(side.rev)}; inputs ${short(side.inputHash)})`;
}

function rowLine(row: ComparedRow, mark: string): string {
  return `| ${VERDICT_MARK[row.verdict]} | ${code(row.metricId)} | ${escapeMarkdown(formatSide(row.baseline, row.unit))} | ${escapeMarkdown(formatSide(row.candidate, row.unit))} | ${escapeMarkdown(formatDelta(row))} | ${escapeMarkdown(formatSpeedup(row.speedup))} | ${formatP(row.adjustedP)} | ${VERDICT_LABEL[row.verdict]}${mark} |`;
}

/** Units read from a clock: durations and rates. Sizes and counts are not. */
const CLOCK_UNITS: ReadonlySet<Unit> = new Set<Unit>(['s', 'ms', 'B/s', 'MB/s', 'MiB/s', 'ops/s']);

export function isClockReading(unit: Unit): boolean {
  return CLOCK_UNITS.has(unit);
}

/**
 * DECIDING CLOCK: whether a run's clock can decide timings. Under TCG without QEMU's instruction
 * counter the guest's clock is the host's, and a shared host's load moves every timing from boot
 * to boot (4-52% CV measured here against 5-10% bands): an emulated foreign guest (aarch64 on
 * x86_64, where icount is not measured) is such a run. Its timing verdicts are shown but never
 * counted; sizes and byte counts (kernel image, memory, page size) are read from no clock and
 * gate everywhere. icount, KVM, HVF and real hardware decide timings.
 */
export function clockDecidesTimings(host: HostFingerprint): boolean {
  return host.acceleration !== 'qemu-tcg' || guestClockOf(host).kind === 'icount';
}

/** The mark of a timing verdict the run's clock cannot decide (shown, never counted). */
export const UNDECIDED_CLOCK_MARK = '‡';

/** Each slot's page size as its boots recorded it (the targets' guest fingerprints). */
export function gatePageSizes(results: ResultsFile): GatePageSizes {
  const of = (slot: KernelVariant) => results.targets.find((target) => target.guest.kernelVariant === slot)?.guest.pageSizeBytes ?? null;
  return { base: of(BASE_SLOT), candidate: of(CANDIDATE_SLOT) };
}

/** A changed page size gates like an exact metric: every other number of the kernel means something else then. */
function pageSizeChange(sizes: GatePageSizes | null | undefined): string | null {
  if (sizes == null || sizes.base === null || sizes.candidate === null || sizes.base === sizes.candidate) return null;
  return `kernel page size changed: base ${sizes.base} B, candidate ${sizes.candidate} B`;
}

const VERDICT_RANK: Record<string, number> = { regressed: 0, improved: 1, inconclusive: 2, equivalent: 3 };

/**
 * The gate's verdict on a compared run: exit 1 on any regression of the candidate against the
 * base, else 0. CONDITIONS COMPARED (compare/conditions.ts), as `kbench compare`: 'mark' (CI
 * mode) marks † each verdict whose two sides were measured under different conditions; 'strict'
 * (--strict-conditions) also leaves such regressions out of the exit code, saying how many.
 */
export function judgeGate(outcome: ComparisonOutcome, gate: GateDescription, marking: ConditionsMarking = 'line'): GateVerdict {
  const rows = reportSets(
    outcome,
    outcome.sets.map(() => 'custom-vs-stock'),
  ).flatMap((set) => set.rows);
  const differs = (row: ComparedRow): boolean => marking !== 'line' && row.conditionsDiffer === true;
  // DECIDING CLOCK (above): on a clock that cannot decide timings, their verdicts are not counted.
  const clockDecides = gate.host === null || clockDecidesTimings(gate.host);
  const undecided = (row: ComparedRow): boolean => !clockDecides && isClockReading(row.unit);
  const mark = (row: ComparedRow): string => `${differs(row) ? ` ${CONDITIONS_MARK}` : ''}${undecided(row) ? ` ${UNDECIDED_CLOCK_MARK}` : ''}`;
  const line = (row: ComparedRow): string => rowLine(row, mark(row));
  const regressions = rows.filter((row) => row.verdict === 'regressed');
  const notCounted = marking === 'strict' ? regressions.filter(differs) : [];
  const untimed = regressions.filter((row) => undecided(row) && !notCounted.includes(row));
  const counted = regressions.filter((row) => !notCounted.includes(row) && !untimed.includes(row));
  const pageSize = pageSizeChange(gate.pageSizes);
  const failures = [...counted.map((row) => row.metricId), ...(pageSize === null ? [] : ['kernel page size'])];
  const counts = (['regressed', 'improved', 'equivalent', 'inconclusive'] as const).map(
    (verdict) => `${rows.filter((row) => row.verdict === verdict).length} ${VERDICT_LABEL[verdict]}`,
  );
  const uncountedText =
    (notCounted.length === 0
      ? ''
      : `; ${notCounted.length} regression${notCounted.length === 1 ? '' : 's'} made under different conditions not counted (--strict-conditions: ${notCounted.map((row) => row.metricId).join(', ')})`) +
    (untimed.length === 0
      ? ''
      : `; ${untimed.length} timing regression${untimed.length === 1 ? '' : 's'} not counted: the host's wall clock under TCG cannot decide timings (${untimed.map((row) => row.metricId).join(', ')})`);
  const headline =
    failures.length > 0
      ? `FAIL: ${failures.length} regression${failures.length === 1 ? '' : 's'} of the candidate against the base (${failures.join(', ')})${uncountedText}`
      : `PASS: no regression of the candidate against the base (${counts.join(', ')})${uncountedText}`;
  const clock = gate.host === null ? null : describeGuestClock(guestClockOf(gate.host));
  const md: string[] = [`## kbench gate (${escapeMarkdown(gate.target)}): ${failures.length > 0 ? '✗' : '✓'} ${escapeMarkdown(headline)}`, ''];
  md.push(
    `- Base: ${sideText(gate.base, true)}`,
    `- Candidate: ${sideText(gate.candidate, true)}`,
    `- The sides differ in: ${differenceText(gate.differences, true)}`,
  );
  if (gate.images !== null) md.push(`- Images: ${imageLine(gate.images)}`);
  if (gate.runnerClass !== null)
    md.push(
      `- One run on one runner (${code(gate.runnerClass)}${clock === null ? '' : `, ${escapeMarkdown(clock)}`}), boots alternating base, candidate: runner and day cancel; each side boots its revision's custom kernel profile.`,
    );
  if (gate.plan !== null) md.push(`- The plan ${escapeMarkdown(detectsLine(gate.plan))}`);
  if (!clockDecides)
    md.push(
      `- ${UNDECIDED_CLOCK_MARK} Timings (durations and rates) are shown, not counted: this run's guest clock is the host's wall clock under TCG, which the host's load moves. Sizes and byte counts gate.`,
    );
  if (gate.pageSizes != null)
    md.push(
      `- Kernel page size: base ${gate.pageSizes.base ?? 'not recorded'} B, candidate ${gate.pageSizes.candidate ?? 'not recorded'} B${pageSize === null ? '' : ' ✗ changed (gates like an exact metric)'}`,
    );
  // CONDITIONS COMPARED (compare/conditions.ts): one side's boots met a busier or slower host.
  const conditions = outcome.sets.flatMap((set) => (set.conditions?.line == null ? [] : [set.conditions.line]));
  for (const line of conditions) md.push(`- ⚠ ${escapeMarkdown(line)}`);
  md.push('', `### ${VERDICT_MARK.regressed} Regressions (${regressions.length})`, '');
  const header = ['| | Metric | Base | Candidate | Delta [95% CI] | Speedup | adj. p | Verdict |', '|---|---|---|---|---|---|---|---|'];
  if (regressions.length === 0) md.push('None.');
  else md.push(...header, ...regressions.map(line));
  const others = rows
    .filter((row) => row.verdict !== 'regressed')
    .sort((a, b) => VERDICT_RANK[a.verdict]! - VERDICT_RANK[b.verdict]! || (a.metricId < b.metricId ? -1 : 1));
  md.push('', `### All compared metrics (${rows.length}: ${counts.join(', ')})`, '');
  if (rows.length === 0) md.push('Nothing was compared.');
  else md.push(...header, ...regressions.map(line), ...others.map(line));
  if (rows.some(differs))
    md.push(
      '',
      `${CONDITIONS_MARK} made under different conditions on its two sides (the line above the tables says which): it may reflect the host, not the kernel${marking === 'strict' ? '; a regression so marked is not counted toward the exit code (--strict-conditions)' : ''}.`,
    );
  const skipped = outcome.sets.flatMap((set) => set.skipped);
  if (skipped.length > 0) md.push('', `Not compared: ${skipped.map((s) => `${code(s.key)} (${escapeMarkdown(s.reason)})`).join(', ')}`);
  md.push('', `Family: ${escapeMarkdown(outcome.options.procedure)}, alpha ${outcome.options.alpha}.`);
  const files = [gate.files.report && `report ${code(gate.files.report)}`, gate.files.results && `results ${code(gate.files.results)}`].filter(Boolean);
  if (files.length > 0) md.push(`Artifacts: ${files.join(', ')}.`);

  const text: string[] = [
    `kbench gate (${gate.target}): ${headline}`,
    `  base:      ${sideText(gate.base, false)}`,
    `  candidate: ${sideText(gate.candidate, false)}`,
    `  differ in: ${differenceText(gate.differences, false)}`,
  ];
  if (gate.images !== null) text.push(`  images:    ${imageLine(gate.images)}`);
  if (gate.runnerClass !== null) text.push(`  runner:    ${gate.runnerClass}${clock === null ? '' : ` (${clock})`}`);
  for (const line of conditions) text.push(`  ${line}`);
  for (const row of [...regressions, ...others])
    text.push(
      `  ${row.verdict.padEnd(12)} ${row.metricId.padEnd(44)} ${formatDelta(row)}${differs(row) ? ` ${CONDITIONS_MARK} conditions differ${marking === 'strict' && row.verdict === 'regressed' ? ': not counted (--strict-conditions)' : ''}` : ''}${undecided(row) ? ` ${UNDECIDED_CLOCK_MARK} not counted (wall clock under TCG)` : ''}`,
    );
  if (pageSize !== null) text.push(`  regressed    ${pageSize}`);
  if (!clockDecides) text.push(`  ${UNDECIDED_CLOCK_MARK} timings shown, not counted: the guest clock is the host's wall clock under TCG`);
  if (gate.plan !== null) text.push(`  plan ${detectsLine(gate.plan)}`);
  for (const [label, file] of Object.entries(gate.files)) if (file !== null) text.push(`  ${label}: ${file}`);
  return { exitCode: failures.length > 0 ? EXIT_REGRESSION : EXIT_OK, headline, markdown: `${md.join('\n')}\n`, text: `${text.join('\n')}\n` };
}

/** Nothing to measure: the revisions' inputs are identical (exit 0, said so). */
export function identicalInputs(gate: GateDescription): GateVerdict {
  const headline = `PASS: the base and the candidate have identical inputs (${short(gate.base.inputHash)}); nothing to compare (--run-identical measures anyway)`;
  const markdown = [
    `## kbench gate (${escapeMarkdown(gate.target)}): ✓ ${escapeMarkdown(headline)}`,
    '',
    `- Base: ${sideText(gate.base, true)}`,
    `- Candidate: ${sideText(gate.candidate, true)}`,
    '',
  ].join('\n');
  const text = [
    `kbench gate (${gate.target}): ${headline}`,
    `  base:      ${sideText(gate.base, false)}`,
    `  candidate: ${sideText(gate.candidate, false)}`,
    '',
  ].join('\n');
  return { exitCode: EXIT_OK, headline, markdown, text };
}
