/** `kbench compare` and `kbench baseline update|show`. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import type { ComparisonSet } from '../compare/index.ts';
import {
  ciMode,
  compareSets,
  describeDifferences,
  clockMismatch,
  fingerprintDifferences,
  pairRunVsBaseline,
  pairStockVsCustom,
  storedModesFor,
  targetsMissingFromBaseline,
} from '../compare/index.ts';
import { renderOutcomeText } from '../render/exporters/text.ts';
import { emulationWarnings } from '../env/emulation.ts';
import { hostLoadWarnings } from '../env/load.ts';
import { baselineFromRuns } from '../baseline/index.ts';
import { EXIT_OK, EXIT_REGRESSION, InputError } from '../errors/index.ts';
import { acquireLock } from '../fs/lock.ts';
import { checkOutputFile } from '../fs/paths.ts';
import { loadResults, saveResultsSync } from '../results/store.ts';
import { numberInRange, type CliIo } from './options.ts';

interface CompareFlags {
  baseline: string;
  alpha: number;
  threshold?: number;
  seed: number;
  stockVsCustom?: boolean;
  allowMismatch?: boolean;
  failOnIncomparable?: boolean;
  ci?: boolean;
  strictConditions?: boolean;
  json?: boolean;
}

/** A unit or direction that changed is never a silent pass: exit 2 naming both, or 1 with the table. */
function incomparableLine(sets: ComparisonSet[], file: string, baselineFile: string, hint: boolean): string | null {
  const all = sets.flatMap((set) => set.incomparable);
  if (all.length === 0) return null;
  const first = all[0]!;
  const side = (s: { unit: string; direction: string }) => `${s.unit} (${s.direction} is better)`;
  return (
    (first.detail !== undefined
      ? `${file}: ${first.key}: ${first.detail}`
      : `${file}: ${first.key} is ${side(first.candidate)} but ${baselineFile} has ${side(first.baseline)}`) +
    `${all.length > 1 ? ` (and ${all.length - 1} more incomparable metrics)` : ''}` +
    (hint ? '; accept the new unit with kbench baseline update, or gate on it with --fail-on-incomparable (exit 1)' : '')
  );
}

const BASELINE_LOCK_WAIT_S = 10;

/** `kbench compare` and `kbench baseline update|show`. */
export function registerCompareCommands(program: Command, io: CliIo): void {
  registerCompareCommand(program, io);
  registerBaselineCommands(program, io);
}

function registerCompareCommand(program: Command, io: CliIo): void {
  program
    .command('compare')
    .description('Compare a run with the baseline (exit 1 on any regression), or custom vs stock kernels inside one run.')
    .argument('<results.json>', 'results file written by kbench run')
    .option('--baseline <file>', 'baseline to compare against (with --stock-vs-custom: whose stored boots say which metrics have two modes)', 'baseline.json')
    .option('--alpha <p>', 'significance level, after Holm-Bonferroni correction', numberInRange('--alpha', 1e-6, 0.5), 0.05)
    .option(
      '--threshold <fraction>',
      "noise band for every metric, overriding the suite's (0.05 = 5%); a calibrated A/A band still wins when larger",
      numberInRange('--threshold', 0.0001, 5),
    )
    .option(
      '--seed <n>',
      'seed recorded in the output (no statistic kbench computes draws random numbers)',
      numberInRange('--seed', 0, 2 ** 32 - 1, { integer: true }),
      20261125,
    )
    .option('--stock-vs-custom', 'speedup of custom over stock kernels inside this run, per guest OS')
    .option('--allow-mismatch', 'compare even when host or kernel fingerprints differ')
    .option('--fail-on-incomparable', 'a metric whose unit or direction differs from the baseline fails the gate with exit 1 (default: exit 2, bad input)')
    .option('--ci', 'CI mode (also when $CI is set): mark each verdict made under different conditions on its two sides')
    .option(
      '--strict-conditions',
      'regressed/improved verdicts made under different conditions (host load, CPU frequency, steal, CPU, QEMU, accelerator) are marked and not counted toward the exit code',
    )
    .option('--json', 'machine-readable output')
    .action(async (file: string, flags: CompareFlags) => {
      const run = await loadResults(file);
      let sets: ComparisonSet[];
      if (flags.stockVsCustom) {
        // MODE PRIOR (stats/modes.ts): the baseline's stored boots say which metrics have modes.
        const stored = existsSync(flags.baseline) ? await loadResults(flags.baseline) : null;
        sets = pairStockVsCustom(run, storedModesFor(run, stored, path.basename(flags.baseline)));
        if (sets.length === 0) throw new InputError(`${file}: field targets: no guest OS has both a stock and a custom kernel to compare`);
      } else {
        const baseline = existsSync(flags.baseline) ? await loadResults(flags.baseline) : null;
        if (baseline === null) throw new InputError(`${flags.baseline}: cannot read (ENOENT); create one with kbench baseline update`);
        const clocks = clockMismatch(run, baseline, file, flags.baseline);
        if (clocks !== null) throw new InputError(clocks);
        const differences = fingerprintDifferences(run, baseline);
        if (differences.length > 0 && !flags.allowMismatch)
          throw new InputError(
            `${file}: fingerprint differs from ${flags.baseline}: ${describeDifferences(differences)} (use --allow-mismatch to compare anyway)`,
          );
        sets = pairRunVsBaseline(run, baseline);
        const incomparable = incomparableLine(sets, file, flags.baseline, true);
        if (incomparable !== null && !flags.failOnIncomparable) throw new InputError(incomparable);
        const missing = targetsMissingFromBaseline(run, baseline);
        if (!flags.json && missing.length > 0) io.err(`kbench: ${flags.baseline} has no samples for ${missing.join(', ')}: not compared\n`);
      }
      const outcome = compareSets(sets, {
        alpha: flags.alpha,
        ...(flags.threshold === undefined ? {} : { thresholdOverride: flags.threshold }),
        seed: flags.seed,
      });
      // CONDITIONS COMPARED (compare/conditions.ts): with --strict-conditions a call made under
      // different conditions does not fail the gate; it is still shown, marked.
      const strict = flags.strictConditions === true;
      const ci = ciMode(flags.ci);
      const notCounted = strict ? [...outcome.regressions, ...outcome.improvements].filter((row) => row.conditionsDiffer) : [];
      const counted = outcome.regressions.filter((row) => !notCounted.includes(row));
      if (flags.json)
        io.out(
          `${JSON.stringify(
            {
              ...outcome,
              conditions: {
                ci,
                strict,
                differ: outcome.sets.flatMap((set) =>
                  set.conditions?.line == null ? [] : [{ set: set.title, line: set.conditions.line, differences: set.conditions.differences }],
                ),
                notCounted: notCounted.map((row) => row.key),
              },
            },
            null,
            2,
          )}\n`,
        );
      else {
        const warnings = [...hostLoadWarnings(file, run.hostLoad, run.host?.logicalCpus ?? 1), ...emulationWarnings(file, run)];
        io.out(renderOutcomeText(outcome, flags.stockVsCustom ? 'custom-vs-stock' : 'vs-baseline', warnings, strict ? 'strict' : ci ? 'mark' : 'line'));
      }
      // Stock vs custom describes a speedup; only a run vs its baseline gates CI.
      const incomparable = flags.stockVsCustom ? 0 : sets.reduce((n, set) => n + set.incomparable.length, 0);
      if (incomparable > 0 && !flags.json) io.err(`kbench: ${incomparableLine(sets, file, flags.baseline, false)}\n`);
      io.setExitCode(!flags.stockVsCustom && (counted.length > 0 || incomparable > 0) ? EXIT_REGRESSION : EXIT_OK);
    });
}

function registerBaselineCommands(program: Command, io: CliIo): void {
  const baseline = program.command('baseline').description('Manage baseline.json (raw samples plus fingerprints).');
  baseline
    .command('update')
    .description('Write the baseline from one or more complete runs of the same machine and kernels.')
    .argument('<results.json...>', 'results files')
    .option('--file <baseline.json>', 'baseline file to write', 'baseline.json')
    .option('--wait <seconds>', 'how long to wait for another writer of the baseline', numberInRange('--wait', 0, 3600), BASELINE_LOCK_WAIT_S)
    .option('--json', 'machine-readable output')
    .action(async (files: string[], flags: { file: string; wait: number; json?: boolean }) => {
      checkOutputFile(flags.file, '--file');
      const runs = [];
      for (const file of files) runs.push({ file, results: await loadResults(file) });
      const written = baselineFromRuns(runs);
      const lock = await acquireLock(flags.file, {
        waitMs: flags.wait * 1000,
        command: 'kbench baseline update',
        onNote: (message) => io.err(`kbench: ${message}\n`),
      });
      try {
        saveResultsSync(flags.file, written);
      } finally {
        lock.release();
      }
      // The database (a native module) loads only for the command that writes to it.
      (await import('../db/record.ts')).recordRunsInDb(runs, { baselineFile: flags.file, warn: (line) => io.err(line) });
      const summary = {
        file: flags.file,
        sources: written.sources,
        targets: written.targets.map((t) => ({ id: t.id, metrics: t.metrics.length, samples: t.metrics.reduce((n, m) => n + m.samples.length, 0) })),
      };
      if (flags.json) io.out(`${JSON.stringify(summary, null, 2)}\n`);
      else io.out(`wrote ${flags.file}: ${summary.targets.map((t) => `${t.id} (${t.metrics} metrics, ${t.samples} samples)`).join(', ')}\n`);
    });
  baseline
    .command('show')
    .description('Print what the baseline holds.')
    .option('--file <baseline.json>', 'baseline file', 'baseline.json')
    .option('--json', 'machine-readable output')
    .action(async (flags: { file: string; json?: boolean }) => {
      const data = await loadResults(flags.file);
      if (flags.json) {
        io.out(`${JSON.stringify(data, null, 2)}\n`);
        return;
      }
      const lines = [`${flags.file}: ${data.kind}, schema ${data.schemaVersion}, updated ${data.updatedAt}`];
      if (data.host !== null)
        lines.push(`host: ${data.host.chip} (${data.host.modelId}), ${data.host.os} ${data.host.osVersion}, ${data.host.hypervisor}/${data.host.acceleration}`);
      lines.push(`sources: ${data.sources.map((s) => `${s.file} (${s.runId})`).join(', ') || 'none'}`);
      if (data.targets.length === 0) lines.push('no samples yet: run kbench run, then kbench baseline update <results.json>');
      for (const target of data.targets) {
        lines.push(`${target.id}: kernel ${target.guest.kernelRelease}, ZFS ${target.guest.zfsVersion ?? 'absent'}`);
        for (const metric of target.metrics)
          lines.push(
            `  ${metric.id} [${metric.unit}, ${metric.direction} is better]: ${
              metric.status.kind === 'unsupported' ? `unsupported (${metric.status.reason})` : `${metric.samples.length} samples`
            }`,
          );
      }
      io.out(`${lines.join('\n')}\n`);
    });
}
