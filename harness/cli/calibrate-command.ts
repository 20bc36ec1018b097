/** `kbench calibrate`: A/A noise thresholds from real runs, stored with the baseline. */
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { calibrateFromRuns, withMeasuredNoise } from '../baseline/noise.ts';
import { describeDifferences, fingerprintDifferences } from '../compare/fingerprint.ts';
import { EXIT_OK, InputError, terminalSafe } from '../errors/index.ts';
import { loadResults, saveResultsSync } from '../results/store.ts';
import type { CliIo } from './options.ts';

const pct = (x: number | null): string => (x === null ? '—' : `${Number((x * 100).toPrecision(3))}%`);

export function registerCalibrateCommand(program: Command, io: CliIo): void {
  program
    .command('calibrate')
    .description(
      "Measure run-to-run drift as an A/A comparison (the same kernels in two or more runs; alternate boots of one run otherwise) and store each metric's calibrated noise threshold in the baseline.",
    )
    .argument('<results.json...>', 'complete runs of the same kernels on this machine')
    .option('--file <baseline.json>', 'baseline to store the thresholds in', 'baseline.json')
    .option('--dry-run', 'print the thresholds, write nothing')
    .option('--json', 'machine-readable output')
    .action(async (files: string[], flags: { file: string; dryRun?: boolean; json?: boolean }) => {
      const runs = [];
      for (const file of files) {
        const results = await loadResults(file);
        if (results.kind !== 'run') throw new InputError(`${file}: field kind: expected a run's results, got "${results.kind}"`);
        if (runs.length > 0) {
          const differences = fingerprintDifferences(results, runs[0]!.results);
          if (differences.length > 0) throw new InputError(`${file}: fingerprint differs from ${runs[0]!.file}: ${describeDifferences(differences)}`);
        }
        runs.push({ file, results });
      }
      const measurements = calibrateFromRuns(runs.map((r) => r.results));
      if (!flags.dryRun) {
        if (!existsSync(flags.file)) throw new InputError(`${flags.file}: cannot read (ENOENT); create one with kbench baseline update`);
        const baseline = await loadResults(flags.file);
        const updated = withMeasuredNoise(baseline, measurements);
        saveResultsSync(flags.file, updated);
      }
      if (flags.json) {
        io.out(`${JSON.stringify({ file: flags.dryRun ? null : flags.file, measurements }, null, 2)}\n`);
      } else {
        const width = Math.max(6, ...measurements.map((m) => `${m.targetId} ${m.metricId}`.length));
        const lines = [`${'metric'.padEnd(width)}  A/A ratio(s)        calibrated threshold`];
        for (const m of measurements)
          lines.push(
            `${terminalSafe(`${m.targetId} ${m.metricId}`).padEnd(width)}  ${m.ratios
              .map((r) => r.toFixed(3))
              .join(', ')
              .padEnd(18)}  ${pct(m.calibratedThreshold)}`,
          );
        lines.push(`${measurements[0]?.calibration ?? 'nothing to calibrate'}; a threshold only ever raises the suite's own.`);
        lines.push(flags.dryRun ? 'dry run: nothing written' : `wrote ${flags.file}`);
        io.out(`${lines.join('\n')}\n`);
      }
      io.setExitCode(EXIT_OK);
    });
}
