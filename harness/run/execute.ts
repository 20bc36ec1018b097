/**
 * A run from settings to a finished results file, shared by `kbench run` and `kbench gate`:
 * the plan (sized from the measured noise and costs in a baseline file) and the execution
 * (prepare, fingerprint, the engine's alternating boots, destroy). No output of its own beyond
 * the progress events; what to compare and print is the command's.
 */
import { existsSync } from 'node:fs';
import { backendDescriptor } from '../backends/catalog.ts';
import type { getBackend } from '../backends/registry.ts';
import { measuresRemoteHost } from '../backends/types.ts';
import type { getGuestAdapter } from '../guest/registry.ts';
import type { ResultsFile, RunSettings } from '../results/schema.ts';
import { loadResults } from '../results/store.ts';
import { connectWithRetry } from '../ssh/index.ts';
import { FULL_SIZES, QUICK_SIZES, type Workload } from '../../suites/types.ts';
import { ADAPTIVE_MIN_ROUNDS, RunEngine } from './engine.ts';
import { choosePlan, costsFromResults, evaluatePlan, noiseFromResults, reachOf, suiteIterations, type MetricNoise, type RunPlan } from './planner.ts';
import type { ProgressReporter } from '../progress/index.ts';
import { RunRecorder } from './recorder.ts';
import type { TargetDefinition } from './targets.ts';

/** A booting VM gets its patience; an existing machine (--backend ssh) that refuses is reported soon. */
const SSH_DEADLINE_MS = 180_000;
const EXISTING_MACHINE_SSH_DEADLINE_MS = 6_000;

export interface PlanRequest {
  /** Where measured noise and costs are read from (baseline.json); priors when it holds no run of the target. */
  baselineFile: string;
  target: string;
  /** --runs: fixes the shape (that many full rounds of the suite's iterations). */
  runs?: number | undefined;
  bootRounds?: number | undefined;
  budgetMinutes: number;
}

/**
 * The plan for a new run: full rounds from --runs (else 3 quick, 5 full), boot-only rounds from
 * --boot-rounds (else as many as the per-boot metrics need within --budget), iterations per
 * workload from the measured noise and costs (baseline.json when it holds this guest OS).
 */
export async function planRun(request: PlanRequest, settings: RunSettings, suite: Workload[], os: string): Promise<{ plan: RunPlan; noiseSource: string }> {
  let noise = new Map<string, MetricNoise>();
  let costs = null;
  let noiseSource = `priors (${request.baselineFile} holds no run of ${request.target})`;
  if (existsSync(request.baselineFile)) {
    const baseline = await loadResults(request.baselineFile);
    // Noise and costs of another target (the x86 testbed for debian-arm64: same OS, another
    // machine) would size the plan wrongly; baselines from before sources named their target
    // fall back to the guest OS.
    const recordedTargets = baseline.sources.flatMap((source) => (source.target === undefined ? [] : [source.target]));
    const sameTarget = recordedTargets.length > 0 ? recordedTargets.includes(request.target) : baseline.targets.some((t) => t.guest.os === os);
    if (sameTarget) {
      const label = `${request.baselineFile} (${baseline.sources.map((s) => s.runId).join(', ') || baseline.runId})`;
      noise = noiseFromResults(baseline, label);
      costs = costsFromResults(baseline, suite, `${request.baselineFile} sample times`);
      noiseSource = label;
    }
  }
  const context = { suite, variants: settings.kernels, noise, costs };
  const fullRounds = settings.runs.kind === 'fixed' ? settings.runs.count : ADAPTIVE_MIN_ROUNDS;
  const defaultIterations = settings.quick ? QUICK_SIZES.iterationsPerBoot : FULL_SIZES.iterationsPerBoot;
  // --runs fixes the run's shape (the suite's iterations, boot-only rounds only from
  // --boot-rounds), so the plan shown for it is exactly that; otherwise the planner sizes it.
  let plan =
    request.runs !== undefined
      ? evaluatePlan({ fullRounds, bootOnlyRounds: 0, iterations: suiteIterations(suite, defaultIterations) }, context)
      : choosePlan(context, { fullRounds, defaultIterations, budgetSeconds: request.budgetMinutes * 60 });
  if (request.bootRounds !== undefined) plan = evaluatePlan({ ...plan, bootOnlyRounds: request.bootRounds }, context);
  const reach = reachOf(plan, context, defaultIterations);
  return { plan: reach === null ? plan : { ...plan, reach }, noiseSource };
}

export interface ExecuteRunInput {
  backend: Awaited<ReturnType<typeof getBackend>>;
  progress: ProgressReporter;
  definition: TargetDefinition;
  suite: Workload[];
  guest: ReturnType<typeof getGuestAdapter>;
  results: ResultsFile;
  settings: RunSettings;
  file: string;
  runDir: string;
  seed: number;
}

/** Prepares the target, boots the kernels alternately through the plan, and leaves `file` complete. */
export async function executeRun({ backend, progress, definition, suite, guest, results, settings, file, runDir, seed }: ExecuteRunInput): Promise<void> {
  progress.emit({
    event: 'run-start',
    target: settings.target,
    message: `${settings.kernels.join(' vs ')}, ${settings.quick ? 'quick' : 'full'} ${settings.suite} suite, results in ${file}`,
  });
  // A target that cannot be prepared (no limactl, bad ssh target) is bad input: the caller removes what was created.
  const prepared = await backend.prepare(definition.spec, settings.kernels, runDir);
  const versions = await backend.versions();
  if (results.host !== null) Object.assign(results.host, versions, { hypervisor: backendDescriptor(settings.backend).hypervisor });
  // --backend ssh: the fingerprint describes the machine measured, not the one running kbench.
  if (results.host !== null && measuresRemoteHost(backend)) {
    // A machine that does not answer here will not answer the engine either: it retries per the
    // reboot policy and ends the run with exit 3 and the evidence kept.
    const measured = await backend.measuredHost(prepared).catch((error: Error) => {
      progress.emit({ event: 'note', message: `host fingerprint not read from the measured machine yet (${error.message})` });
      return null;
    });
    if (measured !== null) Object.assign(results.host, measured);
  }
  const recorder = new RunRecorder(file, results);
  recorder.save();
  const engine = new RunEngine(
    {
      backend,
      guest,
      connect: async (booted) =>
        (await connectWithRetry(booted.endpoint, { deadlineMs: settings.backend === 'ssh' ? EXISTING_MACHINE_SSH_DEADLINE_MS : SSH_DEADLINE_MS })).session,
      progress,
      recorder,
    },
    { settings, suite, sizes: settings.quick ? QUICK_SIZES : FULL_SIZES, prepared, seed },
  );
  progress.startWork(recorder.completedUnits().size);
  try {
    await engine.run();
  } finally {
    await backend.destroy(prepared);
  }
  recorder.finish();
}
