/** `kbench run`: README command 1 with no arguments (Debian testbed, stock vs custom, quick suite). */
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { Option } from 'commander';
import { getBackend } from '../backends/registry.ts';
import { compareSets, pairStockVsCustom } from '../compare/index.ts';
import { renderComparisonTable } from '../compare/table.ts';
import { collectHostFingerprint } from '../env/host.ts';
import { EXIT_BAD_INPUT, EXIT_OK, InputError } from '../errors/index.ts';
import { getGuestAdapter } from '../guest/registry.ts';
import { KernelVariant, type ResultsFile, type RunSettings } from '../results/schema.ts';
import { loadResults } from '../results/store.ts';
import { connectWithRetry } from '../ssh/index.ts';
import { RunEngine } from '../run/engine.ts';
import { ProgressReporter } from '../run/progress.ts';
import { newRunFile, RunRecorder } from '../run/recorder.ts';
import { resolveTarget } from '../run/targets.ts';
import { writeRunReport } from '../render/for-run.ts';
import { recordRunsInDb } from '../db/record.ts';
import { selectWorkloads } from '../../suites/index.ts';
import { FULL_SIZES, QUICK_SIZES } from '../../suites/types.ts';
import type { CliIo } from './main.ts';
import { numberInRange } from './main.ts';

interface RunFlags {
  target: string;
  backend?: string;
  kernels: string;
  suite: string;
  only?: string;
  quick: boolean;
  full?: boolean;
  runs?: number;
  iterations?: number;
  adaptive?: boolean;
  maxWall: number;
  out?: string;
  resume?: string;
  report: boolean;
  json?: boolean;
  seed: number;
}

const SSH_DEADLINE_MS = 180_000;

function parseKernels(raw: string): ('stock' | 'custom')[] {
  const names = raw.split(',').map((name) => name.trim());
  const variants: ('stock' | 'custom')[] = [];
  for (const name of names) {
    const parsed = KernelVariant.safeParse(name);
    if (!parsed.success) throw new InputError(`--kernels: unknown kernel variant "${name}" (known: stock, custom)`);
    if (variants.includes(parsed.data)) throw new InputError(`--kernels: "${name}" is listed twice`);
    variants.push(parsed.data);
  }
  return variants;
}

function settingsFromFlags(flags: RunFlags, backend: RunSettings['backend']): RunSettings {
  if (flags.runs !== undefined && flags.adaptive) throw new InputError('--runs and --adaptive exclude each other: pick one');
  const quick = !flags.full;
  return {
    target: flags.target,
    backend,
    suite: flags.suite,
    workloads: flags.only === undefined ? null : flags.only.split(',').map((id) => id.trim()).filter(Boolean),
    quick,
    kernels: parseKernels(flags.kernels),
    runs: flags.adaptive
      ? { kind: 'adaptive', targetRelativeHalfWidth: 0.02, minRuns: 5, maxRuns: 30, maxWallSeconds: flags.maxWall }
      : { kind: 'fixed', count: flags.runs ?? (quick ? 3 : 5) },
  };
}

function defaultOutFile(target: string): string {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-').replace(/-\d+Z$/, 'Z');
  return path.join('runs', `${target}-${stamp}`, 'results.json');
}

export function registerRunCommand(program: Command, io: CliIo): void {
  program
    .command('run')
    .description('Boot stock and custom kernels alternately, run the ZFS suite over SSH, write results after every sample, and end with the custom-vs-stock table and an HTML report.')
    .addOption(new Option('--target <name>', 'guest to benchmark').default('debian-testbed'))
    .addOption(new Option('--backend <name>', 'how to run it: qemu, lima or ssh (default: the target\'s own)'))
    .option('--kernels <list>', 'kernel variants, in boot order', 'stock,custom')
    .option('--suite <name>', 'workload suite', 'zfs')
    .option('--only <workloads>', 'only these workloads of the suite, comma-separated (e.g. pool_create,snapshots)')
    .option('--quick', 'small sizes that finish under emulation in minutes (default)', true)
    .option('--full', 'the seed\'s full sizes (10 GiB scrub, 1 GiB writes)')
    .option('--runs <n>', 'boots per kernel (default: 3 quick, 5 full; 3 boots x 3 iterations is the least that can reach p < 0.05 after Holm over the whole suite)', numberInRange('--runs', 1, 100, { integer: true }))
    .option('--adaptive', 'boot until every metric\'s 95% CI half-width is within 2% of its median (5..30 runs, --max-wall)')
    .option('--max-wall <seconds>', 'wall-time cap for --adaptive', numberInRange('--max-wall', 60, 7 * 86400), 3600)
    .option('--out <file>', 'results file (default runs/<target>-<time>/results.json)')
    .option('--resume <file>', 'continue an interrupted run; finished samples are kept, none repeated')
    .option('--no-report', 'skip the HTML report')
    .option('--seed <n>', 'bootstrap seed for the final table', numberInRange('--seed', 0, 2 ** 32 - 1, { integer: true }), 20261125)
    .option('--json', 'NDJSON progress events on stdout, then the comparison as JSON')
    .action(async (flags: RunFlags) => {
      let results: ResultsFile;
      let file: string;
      if (flags.resume !== undefined) {
        file = flags.resume;
        results = await loadResults(file);
        if (results.kind !== 'run' || results.settings === null) throw new InputError(`${file}: field kind: not a run's results file`);
        if (results.complete) throw new InputError(`${file}: field complete: this run already finished; nothing to resume`);
      } else {
        const { backend } = resolveTarget(flags.target, flags.backend);
        const settings = settingsFromFlags(flags, backend);
        selectWorkloads(settings.suite, settings.workloads);
        file = flags.out ?? defaultOutFile(flags.target);
        if (existsSync(file)) throw new InputError(`--out: ${file} already exists; pick another file or use --resume ${file}`);
        results = newRunFile(settings, await collectHostFingerprint({ hypervisor: backend === 'ssh' ? 'none' : backend, acceleration: 'none', qemuVersion: null, limaVersion: null }));
      }
      const settings = results.settings!;
      const { definition } = resolveTarget(settings.target, settings.backend);
      const suite = selectWorkloads(settings.suite, settings.workloads);
      const guest = getGuestAdapter(definition.spec.os);
      const backend = getBackend(settings.backend);
      const outDir = path.dirname(path.resolve(file));
      const outDirIsNew = !existsSync(outDir);
      const runDir = path.join(outDir, 'logs');
      mkdirSync(runDir, { recursive: true });

      const progress = new ProgressReporter(Boolean(flags.json), (line, toStdout) => (toStdout ? io.out(`${line}\n`) : io.err(`${line}\n`)));
      progress.emit({ event: 'run-start', target: settings.target, message: `${settings.kernels.join(' vs ')}, ${settings.quick ? 'quick' : 'full'} ${settings.suite} suite, results in ${file}` });
      let prepared;
      try {
        prepared = await backend.prepare(definition.spec, settings.kernels, runDir);
      } catch (error) {
        // A target that cannot be prepared (no limactl, no image) is bad input: leave nothing behind.
        if (error instanceof InputError && outDirIsNew) rmSync(outDir, { recursive: true, force: true });
        throw error;
      }
      const versions = await backend.versions();
      if (results.host !== null) Object.assign(results.host, versions, { hypervisor: settings.backend === 'ssh' ? 'none' : settings.backend });
      const recorder = new RunRecorder(file, results);
      recorder.save();
      const engine = new RunEngine(
        {
          backend,
          guest,
          connect: async (booted) => (await connectWithRetry(booted.endpoint, { deadlineMs: SSH_DEADLINE_MS })).session,
          progress,
          recorder,
        },
        { settings, suite, sizes: settings.quick ? QUICK_SIZES : FULL_SIZES, prepared, seed: flags.seed },
      );
      try {
        await engine.run();
      } catch (error) {
        // Bad input found only on contact (a refused host key or login): leave nothing behind
        // unless some sample was already recorded.
        if (error instanceof InputError || (error as { exitCode?: number }).exitCode === EXIT_BAD_INPUT)
          if (outDirIsNew && recorder.completedUnits().size === 0) rmSync(outDir, { recursive: true, force: true });
        throw error;
      } finally {
        await backend.destroy(prepared);
      }
      recorder.finish();
      recordRunsInDb([{ file, results }], { warn: (line) => io.err(line) });
      const outcome = compareSets(pairStockVsCustom(results), { seed: flags.seed });
      let reportFile: string | null = null;
      if (flags.report) reportFile = await writeRunReport(results, path.join(path.dirname(path.resolve(file)), 'report.html'));
      progress.emit({ event: 'run-end', message: `results: ${file}${reportFile ? `, report: ${reportFile}` : ''}` });
      if (flags.json) io.out(`${JSON.stringify({ event: 'comparison', results: file, report: reportFile, outcome })}\n`);
      else {
        io.out(renderComparisonTable(outcome));
        io.out(`results: ${file}\n${reportFile ? `report:  ${reportFile}\n` : ''}`);
      }
      io.setExitCode(EXIT_OK);
    });
}
