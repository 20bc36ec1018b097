/**
 * `kbench gate`: the pull request's own kernel profile against its base's, in one run. Each
 * side's image inputs (what the target's image provider is built from: builder script, ZFS
 * tuning, kernel config fragments …) are read from its git revision into a cache keyed by their
 * hash, its image made from them (cached by the image's own input hash; a tuning-only change is
 * derived from a cached image), and both sides boot alternately on this machine; the verdict is
 * that within-run comparison. Exit 0 pass, 1 a regression, 2 bad input, 3 infrastructure.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { backendDescriptor } from '../backends/catalog.ts';
import { IMAGE_PROVIDERS, imageProvider } from '../backends/qemu/images/index.ts';
import type { ImageProvider, PreparedImage } from '../backends/qemu/images/types.ts';
import { getBackend } from '../backends/registry.ts';
import { ciMode, compareSets, pairStockVsCustom, storedModesFor, type ComparisonSet } from '../compare/index.ts';
import { collectHostFingerprint } from '../env/host.ts';
import { InfraError, InputError, KbenchError } from '../errors/index.ts';
import { checkCreatableFile } from '../fs/paths.ts';
import { composeGateImage } from '../gate/images.ts';
import { defaultBase, differences, materialiseSide, readSide, resolveCommit, type Side } from '../gate/revisions.ts';
import { BASE_SLOT, CANDIDATE_SLOT, gatePageSizes, identicalInputs, judgeGate, runnerClass, type GateDescription, type GateImage } from '../gate/summary.ts';
import { getGuestAdapter } from '../guest/registry.ts';
import type { ResultsFile, RunSettings } from '../results/schema.ts';
import { loadResults } from '../results/store.ts';
import { executeRun, planRun } from '../run/execute.ts';
import { renderPlan } from '../run/plan-text.ts';
import { DEFAULT_BUDGET_MINUTES } from '../run/planner.ts';
import { ProgressReporter, type BuildProgress } from '../progress/index.ts';
import { newRunFile } from '../run/recorder.ts';
import { DEFAULT_TARGET, resolveTarget } from '../run/targets.ts';
import { selectWorkloads } from '../../suites/index.ts';
import { numberInRange, type CliIo, workloadList } from './options.ts';

interface GateFlags {
  base?: string;
  candidate: string;
  repo: string;
  target: string;
  only?: string;
  runs?: number;
  budget: number;
  baseline: string;
  out?: string;
  plan?: boolean;
  runIdentical?: boolean;
  seed: number;
  json?: boolean;
  runnerClass?: string;
  ci?: boolean;
  strictConditions?: boolean;
}

function defaultOutDir(): string {
  const stamp = new Date()
    .toISOString()
    .replace(/[:.]/g, '-')
    .replace(/-\d+Z$/, 'Z');
  return path.join('runs', `gate-${stamp}`);
}

function cacheDir(): string {
  return process.env.KBENCH_CACHE || path.join(homedir(), '.cache', 'kbench');
}

/** The key an image was found, built or derived under, as its provider says (else its disk's path). */
function imageFacts(image: PreparedImage): GateImage {
  return image.origin ?? { key: image.rootDisk.path, derivedFrom: null };
}

/** `--runner-class`: the class a results file was measured on (baselines are kept per class). */
async function printRunnerClass(file: string, io: CliIo): Promise<void> {
  const results = await loadResults(file);
  if (results.host === null) throw new InputError(`${file}: field host: null (a baseline without a host has no runner class)`);
  io.out(`${runnerClass(results.host)}\n`);
}

/** The run the gate makes: the zfs suite, quick, the base and candidate slots. */
function gateSettings(flags: GateFlags, backend: RunSettings['backend']): RunSettings {
  return {
    target: flags.target,
    backend,
    suite: 'zfs',
    workloads: workloadList(flags.only),
    quick: true,
    kernels: [BASE_SLOT, CANDIDATE_SLOT],
    runs: { kind: 'fixed', count: flags.runs ?? 3 },
  };
}

/** `--plan`'s first lines: the two sides, what differs, which slot is which. */
function gatePlanHeader(gate: GateDescription): string {
  const { base, candidate } = gate;
  return [
    `gate ${gate.target}: base ${base.commit.slice(0, 12)} (${base.rev}) vs candidate ${candidate.commit.slice(0, 12)} (${candidate.rev})`,
    `  differ in: ${gate.differences.map((d) => `${d.path} (${d.change})`).join(', ') || 'nothing (an A/A run)'}`,
    `  slots: ${BASE_SLOT} = the base's custom side, ${CANDIDATE_SLOT} = the candidate's custom side`,
  ].join('\n');
}

/** A failed run: input errors as they are, anything else an InfraError naming what was kept. */
function runFailure(error: unknown, resultsFile: string, runDir: string): Error {
  if (error instanceof KbenchError && !(error instanceof InfraError)) return error;
  const message = error instanceof Error ? error.message : String(error);
  const where = existsSync(resultsFile) ? `; results so far: ${resultsFile}; logs: ${runDir}` : '';
  return new InfraError(`${message}${where}`);
}

/** The run's comparison sets, titled and labelled base vs candidate. */
async function gateSets(results: ResultsFile, os: string, base: Side, candidate: Side, baselineFile: string): Promise<ComparisonSet[]> {
  // MODE PRIOR (stats/modes.ts): both slots hold custom kernels, so the baseline's stored custom boots say which metrics have two modes.
  const stored = existsSync(baselineFile) ? await loadResults(baselineFile).catch(() => null) : null;
  const storedModes = storedModesFor(results, stored, path.basename(baselineFile), { baseline: 'custom', candidate: 'custom' });
  return pairStockVsCustom(results, storedModes).map((set) => ({
    ...set,
    title: `${os}: candidate ${candidate.commit.slice(0, 12)} vs base ${base.commit.slice(0, 12)}`,
    baselineLabel: `base ${base.commit.slice(0, 12)}`,
    candidateLabel: `candidate ${candidate.commit.slice(0, 12)}`,
    // SLOTS (gate/summary.ts): the stock slot is the base, the custom slot the candidate; their conditions are named so.
    ...(set.conditions === undefined
      ? {}
      : { conditions: { baseline: { ...set.conditions.baseline, label: 'base' }, candidate: { ...set.conditions.candidate, label: 'candidate' } } }),
  }));
}

// long because: the commander options, then the gate's steps in their order (resolve both sides,
// build, run, compare, write): each step is a call, and they share a dozen locals a split would pass around.
export function registerGateCommand(program: Command, io: CliIo): void {
  program
    .command('gate')
    .description(
      "CI gate: boot the candidate revision's custom kernel profile and its base's alternately in one run, and fail on a regression of the candidate.",
    )
    .option('--base <rev>', 'the base revision (default: the merge base of --candidate and origin/main, else main)')
    .option('--candidate <rev>', 'the revision under review', 'HEAD')
    .option('--repo <dir>', 'the git repository both revisions are read from', '.')
    .option('--target <name>', "guest whose image is built from each revision (its image provider must build from a revision's inputs)", DEFAULT_TARGET)
    .option('--only <workloads>', 'only these workloads of the suite, comma-separated')
    .option('--runs <n>', 'full rounds per side (default: the plan within --budget)', numberInRange('--runs', 1, 100, { integer: true }))
    .option('--budget <minutes>', 'run-work budget the default plan is sized to', numberInRange('--budget', 1, 7 * 24 * 60), DEFAULT_BUDGET_MINUTES)
    .option('--baseline <file>', 'where the plan reads measured noise and costs from (never the verdict)', 'baseline.json')
    .option('--out <dir>', 'folder for results.json, report.html, summary.md, gate.json and logs (default runs/gate-<time>)')
    .option('--plan', 'resolve both sides and print what differs and the plan, without building or booting')
    .option('--run-identical', 'measure even when both revisions have identical inputs (an A/A run)')
    .option(
      '--seed <n>',
      'seed recorded in the output (no statistic kbench computes draws random numbers)',
      numberInRange('--seed', 0, 2 ** 32 - 1, { integer: true }),
      20261125,
    )
    .option('--ci', 'CI mode (also when $CI is set): mark each verdict made under different conditions on its two sides')
    .option(
      '--strict-conditions',
      'regressions made under different conditions (host load, CPU frequency, steal, CPU, QEMU, accelerator) are marked and not counted toward the exit code',
    )
    .option('--json', 'NDJSON progress events on stdout, then gate.json')
    .option('--runner-class <results.json>', 'print the runner class a results file was measured on (baselines are kept per class) and exit')
    .action(
      // long because: the gate's steps in order (see registerGateCommand).
      async (flags: GateFlags) => {
        if (flags.runnerClass !== undefined) return printRunnerClass(flags.runnerClass, io);
        const repo = path.resolve(flags.repo);
        if (!existsSync(repo)) throw new InputError(`--repo: ${repo} does not exist`);
        const { definition, backend: backendName } = resolveTarget(flags.target, 'qemu', [BASE_SLOT, CANDIDATE_SLOT]);
        const provider = imageProvider(definition.spec.image);
        const inputs = provider?.buildsFromInputs;
        if (provider === null || inputs === undefined)
          throw new InputError(
            `--target ${flags.target}: its image (${definition.spec.image}) cannot be made from a revision's inputs yet; kbench gate runs targets whose image provider declares buildsFromInputs (${IMAGE_PROVIDERS.filter(
              (p) => p.buildsFromInputs !== undefined,
            )
              .map((p) => p.name)
              .join(', ')})`,
          );
        const arch = process.arch === 'arm64' ? 'aarch64' : 'x86_64';
        const support = provider.supports([BASE_SLOT, CANDIDATE_SLOT], arch);
        if (!support.ok) throw new InputError(`--target ${flags.target}: ${support.reason}`);

        const candidateCommit = await resolveCommit(repo, flags.candidate, '--candidate');
        const base =
          flags.base === undefined ? await defaultBase(repo, candidateCommit) : { rev: flags.base, commit: await resolveCommit(repo, flags.base, '--base') };
        const baseSide = await readSide(repo, base.rev, base.commit, inputs);
        const candidateSide = await readSide(repo, flags.candidate, candidateCommit, inputs);
        const gate: GateDescription = {
          target: flags.target,
          base: baseSide,
          candidate: candidateSide,
          differences: differences(baseSide.entries, candidateSide.entries),
          images: null,
          plan: null,
          runnerClass: null,
          host: null,
          files: { results: null, report: null, summary: null },
        };

        const outDir = path.resolve(flags.out ?? defaultOutDir());
        const settings = gateSettings(flags, backendName);
        const suite = selectWorkloads(settings.suite, settings.workloads);
        const { plan, noiseSource } = await planRun(
          { baselineFile: flags.baseline, target: flags.target, runs: flags.runs, budgetMinutes: flags.budget },
          settings,
          suite,
          definition.spec.os,
        );
        gate.plan = plan;
        if (flags.runs === undefined) {
          settings.runs = { kind: 'fixed', count: plan.fullRounds };
          settings.bootOnlyRounds = plan.bootOnlyRounds;
          settings.iterations = plan.iterations;
        }

        const write = (verdict: { markdown: string; exitCode: number; headline: string }) => {
          mkdirSync(outDir, { recursive: true });
          gate.files.summary = path.join(outDir, 'summary.md');
          writeFileSync(gate.files.summary, verdict.markdown);
          writeFileSync(path.join(outDir, 'gate.json'), `${JSON.stringify(gateJson(gate, verdict), null, 2)}\n`);
        };

        if (gate.differences.length === 0 && !flags.runIdentical) {
          checkCreatableFile(path.join(outDir, 'summary.md'), '--out');
          const verdict = identicalInputs(gate);
          write(verdict);
          io.out(flags.json ? `${JSON.stringify(gateJson(gate))}\n` : verdict.text);
          io.setExitCode(verdict.exitCode);
          return;
        }
        if (flags.plan) {
          io.out(`${gatePlanHeader(gate)}\n${renderPlan(plan, suite, `plan for the gate (${backendName})`, noiseSource)}`);
          return;
        }

        const resultsFile = path.join(outDir, 'results.json');
        if (existsSync(resultsFile)) throw new InputError(`--out: ${resultsFile} already exists; pick another folder`);
        checkCreatableFile(resultsFile, '--out');
        // Made by backend.prepare once the backend has checked its input: a gate refused before
        // the run (an unsupported target, a bad environment variable) leaves no logs/ behind.
        const runDir = path.join(outDir, 'logs');
        const progress = new ProgressReporter(Boolean(flags.json), (line, toStdout) => (toStdout ? io.out(`${line}\n`) : io.err(`${line}\n`)));
        const onBuildProgress = (build: BuildProgress) => progress.emit({ event: 'build', target: flags.target, message: build.message, build });

        const cache = cacheDir();
        const trees = { base: await materialiseSide(repo, baseSide, cache), candidate: await materialiseSide(repo, candidateSide, cache) };
        const loaded = await provider.load();
        const sideImage = (tree: string, side: Side): Promise<PreparedImage> => {
          progress.emit({ event: 'note', message: `image for ${side.rev} (${side.commit.slice(0, 12)}) from inputs ${side.inputHash.slice(0, 12)}` });
          return loaded.ensure({
            variants: [BASE_SLOT, CANDIDATE_SLOT],
            arch,
            cacheDir: process.env.KBENCH_CACHE || null,
            inputsRoot: tree,
            onProgress: (message) => progress.emit({ event: 'note', message }),
            onBuildProgress,
          });
        };
        // One after the other: the candidate's image may be derived from the base's.
        const baseImage = await sideImage(trees.base, baseSide);
        const candidateImage = await sideImage(trees.candidate, candidateSide);
        gate.images = { base: imageFacts(baseImage), candidate: imageFacts(candidateImage) };
        const images: ImageProvider = { ensure: async () => composeGateImage(baseImage, candidateImage) };
        const backend = await getBackend(backendName, { qemu: { images, onBuildProgress } });
        const results = newRunFile(settings, await collectHostFingerprint({ hypervisor: backendDescriptor(backendName).hypervisor, acceleration: 'none' }));
        await executeRun({
          backend,
          progress,
          definition,
          suite,
          guest: getGuestAdapter(definition.spec.os),
          results,
          settings,
          file: resultsFile,
          runDir,
          seed: flags.seed,
        }).catch((error: unknown) => {
          throw runFailure(error, resultsFile, runDir);
        });
        gate.host = results.host;
        gate.pageSizes = gatePageSizes(results);
        gate.runnerClass = results.host === null ? null : runnerClass(results.host);
        gate.files.results = resultsFile;
        const outcome = compareSets(await gateSets(results, definition.spec.os, baseSide, candidateSide, flags.baseline), { seed: flags.seed });
        gate.files.report = await (await import('../render/for-run.ts')).writeRunReport(results, path.join(outDir, 'report.html'), {
          claims: null,
          ci: flags.strictConditions === true || ciMode(flags.ci),
        });
        gate.files.summary = path.join(outDir, 'summary.md');
        const verdict = judgeGate(outcome, gate, flags.strictConditions === true ? 'strict' : ciMode(flags.ci) ? 'mark' : 'line');
        write(verdict);
        io.out(flags.json ? `${JSON.stringify(gateJson(gate, verdict))}\n` : verdict.text);
        io.setExitCode(verdict.exitCode);
      },
    );
}

/** gate.json: what was compared with what, where the evidence is, and the verdict. */
function gateJson(gate: GateDescription, verdict?: { exitCode: number; headline: string }) {
  const side = (s: Side) => ({ rev: s.rev, commit: s.commit, subject: s.subject, inputHash: s.inputHash, inputs: s.entries });
  return {
    format: 'kbench-gate',
    target: gate.target,
    slots: { [BASE_SLOT]: 'base', [CANDIDATE_SLOT]: 'candidate' },
    base: side(gate.base),
    candidate: side(gate.candidate),
    differences: gate.differences,
    images: gate.images,
    runnerClass: gate.runnerClass,
    pageSizes: gate.pageSizes ?? null,
    files: gate.files,
    ...(verdict === undefined ? {} : { exitCode: verdict.exitCode, headline: verdict.headline }),
  };
}
