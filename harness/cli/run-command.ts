/** `kbench run`: README command 1 with no arguments (Debian testbed, stock vs custom, quick suite). */
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { Option } from 'commander';
import { backendDescriptor } from '../backends/catalog.ts';
import { getBackend } from '../backends/registry.ts';
import { ciMode, compareSets, pairStockVsCustom, storedModesFor } from '../compare/index.ts';
import { recordRunsInDb } from '../db/record.ts';
import { emulationWarnings } from '../env/emulation.ts';
import { collectHostFingerprint } from '../env/host.ts';
import { hostLoadWarnings } from '../env/load.ts';
import { EXIT_BAD_INPUT, EXIT_OK, InfraError, InputError, KbenchError, showValue } from '../errors/index.ts';
import { acquireLock, type HeldLock } from '../fs/lock.ts';
import { checkCreatableFile } from '../fs/paths.ts';
import { getGuestAdapter } from '../guest/registry.ts';
import { renderOutcomeText } from '../render/exporters/text.ts';
import { KernelVariant, type ResultsFile, type RunSettings } from '../results/schema.ts';
import { loadResults } from '../results/store.ts';
import { executeRun, planRun } from '../run/execute.ts';
import { renderPlan, renderRoutes } from '../run/plan-text.ts';
import { DEFAULT_BUDGET_MINUTES, type RunPlan } from '../run/planner.ts';
import { ProgressReporter, type BuildProgress } from '../progress/index.ts';
import { newRunFile } from '../run/recorder.ts';
import { backendsFor, DEFAULT_TARGET, resolveTarget, TARGETS, targetRoutes } from '../run/targets.ts';
import { selectWorkloads, SUITES } from '../../suites/index.ts';
import type { Workload } from '../../suites/types.ts';
import { numberInRange, type CliIo, workloadList } from './options.ts';

interface RunFlags {
  target: string;
  backend?: string;
  kernels: string;
  suite: string;
  only?: string;
  full?: boolean;
  runs?: number;
  bootRounds?: number;
  budget: number;
  plan?: boolean;
  baseline: string;
  adaptive?: boolean;
  maxWall: number;
  out?: string;
  resume?: string;
  report: boolean;
  json?: boolean;
  seed: number;
  override?: boolean;
}

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

/** The plan for this run's flags (harness/run/execute.ts). */
function planFor(flags: RunFlags, settings: RunSettings, suite: Workload[], os: string): Promise<{ plan: RunPlan; noiseSource: string }> {
  return planRun(
    { baselineFile: flags.baseline, target: flags.target, runs: flags.runs, bootRounds: flags.bootRounds, budgetMinutes: flags.budget },
    settings,
    suite,
    os,
  );
}

function settingsFromFlags(flags: RunFlags, backend: RunSettings['backend']): RunSettings {
  if (flags.runs !== undefined && flags.adaptive) throw new InputError('--runs and --adaptive exclude each other: pick one');
  const quick = !flags.full;
  return {
    target: flags.target,
    backend,
    suite: flags.suite,
    workloads: workloadList(flags.only),
    quick,
    kernels: parseKernels(flags.kernels),
    runs: flags.adaptive
      ? { kind: 'adaptive', targetRelativeHalfWidth: 0.02, minRuns: 5, maxRuns: 30, maxWallSeconds: flags.maxWall }
      : { kind: 'fixed', count: flags.runs ?? (quick ? 3 : 5) },
  };
}

/** Settings read from a results file are input too: errors name the file and the field, never a flag. */
function checkResumedSettings(file: string, settings: RunSettings): void {
  const definition = TARGETS[settings.target];
  if (definition === undefined)
    throw new InputError(`${file}: field settings.target: unknown target ${showValue(settings.target)} (known: ${Object.keys(TARGETS).join(', ')})`);
  const backends = backendsFor(
    definition,
    settings.kernels.filter((k): k is 'stock' | 'custom' => k === 'stock' || k === 'custom'),
  );
  if (!(backends as string[]).includes(settings.backend))
    throw new InputError(
      `${file}: field settings.backend: target ${settings.target} cannot run on ${showValue(settings.backend)} (it runs on: ${backends.join(', ')})`,
    );
  const suite = SUITES[settings.suite];
  if (suite === undefined)
    throw new InputError(`${file}: field settings.suite: unknown suite ${showValue(settings.suite)} (known: ${Object.keys(SUITES).join(', ')})`);
  const known = new Set(suite.map((workload) => workload.id));
  settings.workloads?.forEach((id, i) => {
    if (!known.has(id)) throw new InputError(`${file}: field settings.workloads[${i}]: unknown workload ${showValue(id)} in suite ${settings.suite}`);
  });
  if (new Set(settings.kernels).size !== settings.kernels.length || settings.kernels.length === 0)
    throw new InputError(`${file}: field settings.kernels: must list stock and/or custom once each (value ${showValue(settings.kernels)})`);
}

/**
 * `--resume FILE` continues the run as the file describes it. A settings flag given as well must
 * agree with the file, or is taken only with --override (the file then records the new value).
 */
function resumedSettings(file: string, stored: RunSettings, flags: RunFlags, command: Command): RunSettings {
  const given = (name: string): boolean => command.getOptionValueSource(name) === 'cli';
  if (given('out')) throw new InputError(`--out: --resume ${file} writes to ${file}; drop --out`);
  const fromFlags = settingsFromFlags(flags, (flags.backend ?? stored.backend) as RunSettings['backend']);
  const checks: { flag: string; field: keyof RunSettings; differs: boolean }[] = [
    { flag: 'target', field: 'target', differs: fromFlags.target !== stored.target },
    { flag: 'backend', field: 'backend', differs: fromFlags.backend !== stored.backend },
    { flag: 'kernels', field: 'kernels', differs: fromFlags.kernels.join(',') !== stored.kernels.join(',') },
    { flag: 'suite', field: 'suite', differs: fromFlags.suite !== stored.suite },
    { flag: 'only', field: 'workloads', differs: JSON.stringify(fromFlags.workloads) !== JSON.stringify(stored.workloads) },
    { flag: 'full', field: 'quick', differs: fromFlags.quick !== stored.quick },
    { flag: 'runs', field: 'runs', differs: JSON.stringify(fromFlags.runs) !== JSON.stringify(stored.runs) },
    { flag: 'adaptive', field: 'runs', differs: JSON.stringify(fromFlags.runs) !== JSON.stringify(stored.runs) },
  ];
  const settings = structuredClone(stored);
  for (const { flag, field, differs } of checks) {
    if (!given(flag) || !differs) continue;
    if (!flags.override)
      throw new InputError(
        `--${flag}: contradicts ${file} (field settings.${field} is ${showValue(stored[field])}); drop --${flag} to resume as recorded, or add --override to change it`,
      );
    (settings as Record<string, unknown>)[field] = fromFlags[field];
  }
  if (flags.override) {
    resolveTarget(settings.target, settings.backend, settings.kernels);
    selectWorkloads(settings.suite, settings.workloads);
  }
  return settings;
}

/** Removes what this run created, for bad input found before any sample: "nothing written". */
function removeCreated(created: { dir: string | undefined; files: string[] }): void {
  for (const file of created.files) rmSync(file, { recursive: true, force: true });
  if (created.dir !== undefined) rmSync(created.dir, { recursive: true, force: true });
}

/** The samples, failures and finished units a results file holds, as one comparable string. */
function recordedSoFar(results: ResultsFile): string {
  return JSON.stringify([results.completedUnits, results.targets]);
}

function defaultOutFile(target: string): string {
  const stamp = new Date()
    .toISOString()
    .replace(/[:.]/g, '-')
    .replace(/-\d+Z$/, 'Z');
  return path.join('runs', `${target}-${stamp}`, 'results.json');
}

// long because: a declaration, not logic: 20-odd commander options (one formatted call each) and an
// action that only hands the parsed flags to runCommand.
export function registerRunCommand(program: Command, io: CliIo): void {
  program
    .command('run')
    .description(
      'Boot stock and custom kernels alternately, run the ZFS suite over SSH, write results after every sample, and end with the custom-vs-stock table and an HTML report.',
    )
    .addOption(new Option('--target <name>', 'guest to benchmark').default(DEFAULT_TARGET))
    .addOption(new Option('--backend <name>', "how to run it: qemu, lima or ssh (default: the target's own)"))
    .option('--kernels <list>', 'kernel variants, in boot order', 'stock,custom')
    .option('--suite <name>', 'workload suite', 'zfs')
    .option('--only <workloads>', 'only these workloads of the suite, comma-separated (e.g. pool_create,snapshots)')
    .option('--full', "the seed's full sizes (10 GiB scrub, 1 GiB writes); default: quick sizes that finish under emulation in minutes")
    .option(
      '--runs <n>',
      'full rounds: boots per kernel that run the whole suite (default: 3 quick, 5 full)',
      numberInRange('--runs', 1, 100, { integer: true }),
    )
    .option(
      '--boot-rounds <n>',
      'extra boots per kernel that measure only boot time, memory and kernel size (default: what the plan needs within --budget)',
      numberInRange('--boot-rounds', 0, 100, { integer: true }),
    )
    .option(
      '--budget <minutes>',
      'wall-time budget the default plan is sized to (run work, not the image build)',
      numberInRange('--budget', 1, 7 * 24 * 60),
      DEFAULT_BUDGET_MINUTES,
    )
    .option('--plan', 'print the run plan (boots x iterations, expected time, smallest detectable change per metric) and exit without booting')
    .option('--baseline <file>', 'where the plan reads measured noise and costs from', 'baseline.json')
    .option('--adaptive', 'boot until every metric is decided (regressed, improved, equivalent) or provably undecidable within 30 boots, or --max-wall')
    .option('--max-wall <seconds>', 'wall-time cap for --adaptive', numberInRange('--max-wall', 60, 7 * 86400), 3600)
    .option('--out <file>', 'results file (default runs/<target>-<time>/results.json)')
    .option('--resume <file>', 'continue an interrupted run; finished samples are kept, none repeated')
    .option('--no-report', 'skip the HTML report')
    .option(
      '--seed <n>',
      'seed recorded in the output (no statistic kbench computes draws random numbers)',
      numberInRange('--seed', 0, 2 ** 32 - 1, { integer: true }),
      20261125,
    )
    .option('--override', 'with --resume: take the given --backend/--target/--kernels/--suite/--only/--runs even where they contradict the file')
    .option('--json', 'NDJSON progress events on stdout, then the comparison as JSON')
    .action(async (flags: RunFlags, command: Command) => {
      let results: ResultsFile;
      let file: string;
      // What this run created, removed again if bad input shows up before the first sample.
      const created: { dir: string | undefined; files: string[] } = { dir: undefined, files: [] };
      let lock: HeldLock | null = null;
      const takeLock = async (target: string) =>
        acquireLock(target, { waitMs: 0, command: `kbench run (pid ${process.pid})`, onNote: (message) => io.err(`kbench: ${message}\n`) });
      if (flags.resume !== undefined) {
        file = flags.resume;
        // Held for the whole run: a second `run --resume` of the same file would lose samples.
        lock = await takeLock(file);
        try {
          results = await loadResults(file);
          if (results.kind !== 'run' || results.settings === null) throw new InputError(`${file}: field kind: not a run's results file`);
          if (results.complete) throw new InputError(`${file}: field complete: this run already finished; nothing to resume`);
          checkResumedSettings(file, results.settings);
          results.settings = resumedSettings(file, results.settings, flags, command);
        } catch (error) {
          lock.release();
          throw error;
        }
      } else {
        if (flags.override) throw new InputError('--override: only with --resume');
        const { backend, definition } = resolveTarget(flags.target, flags.backend, parseKernels(flags.kernels));
        const settings = settingsFromFlags(flags, backend);
        const planned = await planFor(flags, settings, selectWorkloads(settings.suite, settings.workloads), definition.spec.os);
        if (flags.plan) {
          const heading = `plan for ${flags.target} (${backend}), ${settings.kernels.join(' vs ')}, ${settings.quick ? 'quick' : 'full'} ${settings.suite} suite`;
          const routes = targetRoutes(flags.target, backend, settings.kernels);
          if (flags.json)
            io.out(
              `${JSON.stringify({ event: 'plan', target: flags.target, backend, noiseSource: planned.noiseSource, plan: planned.plan, routes }, null, 2)}\n`,
            );
          else
            io.out(`${renderPlan(planned.plan, selectWorkloads(settings.suite, settings.workloads), heading, planned.noiseSource)}\n${renderRoutes(routes)}`);
          io.setExitCode(EXIT_OK);
          return;
        }
        // --runs fixes the run's shape: no extra boot-only rounds (unless --boot-rounds) and the
        // suite's iterations; without it the plan sizes both.
        if (settings.runs.kind === 'fixed' && flags.runs === undefined) {
          // The run is the plan --plan printed: its full rounds too, not only the suite's default.
          settings.runs = { kind: 'fixed', count: planned.plan.fullRounds };
          settings.bootOnlyRounds = planned.plan.bootOnlyRounds;
          settings.iterations = planned.plan.iterations;
        } else if (settings.runs.kind === 'fixed' && flags.bootRounds !== undefined) settings.bootOnlyRounds = flags.bootRounds;
        file = flags.out ?? defaultOutFile(flags.target);
        if (existsSync(file)) throw new InputError(`--out: ${file} already exists; pick another file or use --resume ${file}`);
        checkCreatableFile(file, '--out');
        results = newRunFile(settings, await collectHostFingerprint({ hypervisor: backendDescriptor(backend).hypervisor, acceleration: 'none' }));
      }
      const settings = results.settings!;
      const { definition } = resolveTarget(settings.target, settings.backend, settings.kernels);
      const suite = selectWorkloads(settings.suite, settings.workloads);
      const guest = getGuestAdapter(definition.spec.os);
      const outDir = path.dirname(path.resolve(file));
      const runDir = path.join(outDir, 'logs');
      // What the file held when this invocation started: bad input found before anything was added to it leaves nothing behind.
      const recordedAtStart = recordedSoFar(results);
      try {
        const progress = new ProgressReporter(Boolean(flags.json), (line, toStdout) => (toStdout ? io.out(`${line}\n`) : io.err(`${line}\n`)));
        const backend = await getBackend(settings.backend, {
          qemu: {
            // What the backend says about each boot (accelerator fallback, clock, SSH answered, the login used).
            onProgress: (message: string) => progress.emit({ event: 'note', target: settings.target, message }),
            onBuildProgress: (build: BuildProgress) => progress.emit({ event: 'build', target: settings.target, message: build.message, build }),
          },
        });
        if (lock === null) {
          const madeDir = mkdirSync(runDir, { recursive: true });
          // If another run holds the lock it uses the folder too: nothing is removed then.
          lock = await takeLock(file);
          if (existsSync(file)) throw new InputError(`--out: ${file} was created by another run meanwhile; pick another file`);
          created.dir = madeDir;
          created.files.push(path.resolve(file));
        } else if (!existsSync(runDir)) created.files.push(runDir);
        // A resumed run's logs/ is made by backend.prepare once the backend has checked its own input (keys, kernels, environment).
        await runWithBackend({ backend, progress, definition, suite, guest, results, settings, file, runDir, flags, io });
      } catch (error) {
        if (error instanceof InputError || (error instanceof KbenchError && error.exitCode === EXIT_BAD_INPUT)) {
          if (created.dir !== undefined || created.files.length > 0) {
            // Bad input found only on contact (a refused host key or login): leave nothing behind
            // unless some sample was already recorded.
            if (recordedSoFar(results) === recordedAtStart) removeCreated(created);
          }
          throw error;
        }
        // Infrastructure failed: everything written so far is the evidence; say where it is.
        const message = error instanceof Error ? error.message : String(error);
        const where = existsSync(file) ? `; results so far: ${file} (continue with kbench run --resume ${file}); logs: ${runDir}` : '';
        if (error instanceof InfraError || !(error instanceof KbenchError)) throw new InfraError(`${message}${where}`);
        throw error;
      } finally {
        lock?.release();
      }
    });
}

interface RunContext {
  backend: Awaited<ReturnType<typeof getBackend>>;
  progress: ProgressReporter;
  definition: ReturnType<typeof resolveTarget>['definition'];
  suite: ReturnType<typeof selectWorkloads>;
  guest: ReturnType<typeof getGuestAdapter>;
  results: ResultsFile;
  settings: RunSettings;
  file: string;
  runDir: string;
  flags: RunFlags;
  io: CliIo;
}

async function runWithBackend({ backend, progress, definition, suite, guest, results, settings, file, runDir, flags, io }: RunContext): Promise<void> {
  await executeRun({ backend, progress, definition, suite, guest, results, settings, file, runDir, seed: flags.seed });
  recordRunsInDb([{ file, results }], { warn: (line) => io.err(line) });
  // MODE PRIOR (stats/modes.ts): the baseline's stored boots say which metrics have two modes.
  const stored = existsSync(flags.baseline) ? await loadResults(flags.baseline).catch(() => null) : null;
  const outcome = compareSets(pairStockVsCustom(results, storedModesFor(results, stored, path.basename(flags.baseline))), { seed: flags.seed });
  let reportFile: string | null = null;
  // The report renderer (vega, handlebars) loads only once a run has results to draw.
  if (flags.report)
    reportFile = await (await import('../render/for-run.ts')).writeRunReport(results, path.join(path.dirname(path.resolve(file)), 'report.html'));
  progress.emit({ event: 'run-end', message: `results: ${file}${reportFile ? `, report: ${reportFile}` : ''}` });
  if (flags.json) io.out(`${JSON.stringify({ event: 'comparison', results: file, report: reportFile, outcome })}\n`);
  else {
    // Stock and custom boots alternate on one host, yet one kernel's boots can still meet a busier host: said above the verdicts, marked in CI ($CI).
    io.out(
      renderOutcomeText(
        outcome,
        'custom-vs-stock',
        [...hostLoadWarnings(file, results.hostLoad, results.host?.logicalCpus ?? 1), ...emulationWarnings(file, results)],
        ciMode(undefined) ? 'mark' : 'line',
      ),
    );
    io.out(`results: ${file}\n${reportFile ? `report:  ${reportFile}\n` : ''}`);
  }
  io.setExitCode(EXIT_OK);
}
