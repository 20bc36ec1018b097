/** `kbench run --plan`: the plan as a table, before anything boots. Pure. */
import { layoutColumns } from '../format/index.ts';
import { PLANNING_POWER } from '../stats/index.ts';
import { MAX_ROUNDS_TO_SUGGEST, type RunPlan } from './planner.ts';
import type { Workload } from '../../suites/types.ts';
import type { TargetDescription } from './targets.ts';

const minutes = (seconds: number): string => (seconds < 90 ? `${Math.round(seconds)} s` : `${(seconds / 60).toFixed(1)} min`);
const pct = (fraction: number): string => `${Number((fraction * 100).toPrecision(2))}%`;

export function renderPlan(plan: RunPlan, suite: readonly Workload[], heading: string, noiseSource: string): string {
  const lines = [heading];
  const boots = plan.fullRounds + plan.bootOnlyRounds;
  lines.push(
    `  ${plan.fullRounds} full rounds + ${plan.bootOnlyRounds} boot-only rounds = ${boots} boots per kernel, ${boots * plan.variants.length} in all (kernels alternate: ${plan.variants.join(', ')})`,
  );
  lines.push(`  noise from ${noiseSource}; costs from ${plan.costSource ?? 'nowhere yet (no finished run on this host): wall time unknown'}`);
  const workloadRows = suite.map((w) => [
    w.id,
    w.schedule,
    String(w.schedule === 'per-boot' ? boots : plan.fullRounds),
    w.schedule === 'per-boot' ? '1' : `1 warm-up + ${plan.iterations[w.id] ?? '?'}`,
  ]);
  lines.push(...layoutColumns([['workload', 'schedule', 'boots/kernel', 'iterations/boot'], ...workloadRows]).map((l) => `  ${l}`));
  lines.push(
    plan.expectedSeconds === null
      ? '  expected wall time: unknown until one run has finished on this host'
      : `  expected wall time: ${minutes(plan.expectedSeconds)} of run work (an image build, when not cached, comes first)`,
  );
  lines.push('');
  const metricRows = plan.metrics.map((m) => [
    m.metricId,
    `±${pct(m.threshold)}`,
    m.exact ? 'any change (exact)' : m.detectableChange === null ? '—' : `>= ${pct(m.detectableChange)}`,
    m.exact ? 'yes' : m.canShowEquivalence === null ? '—' : m.canShowEquivalence ? 'yes' : 'no',
    `${m.bootsPerSide}×${m.iterationsPerBoot}`,
  ]);
  lines.push(
    ...layoutColumns([['metric', 'band', `detects (${pct(PLANNING_POWER)} power)`, 'can show "equivalent"', 'boots×iter'], ...metricRows]).map((l) => `  ${l}`),
  );
  lines.push(
    `  detectable = smallest true change called regressed/improved in ${pct(PLANNING_POWER)} of runs (Welch on per-boot medians, Holm over ${plan.familySize} metrics, alpha 0.05)`,
  );
  if (plan.reach !== undefined) lines.push(reachLine(plan.reach));
  return `${lines.join('\n')}\n`;
}

function reachLine(reach: NonNullable<RunPlan['reach']>): string {
  const at = `--runs ${reach.fullRounds}${reach.expectedSeconds === null ? '' : ` (${minutes(reach.expectedSeconds)} of run work)`}`;
  if (reach.beyond.length === 0) return `  every iterated metric would detect twice its band at ${at}`;
  const named = reach.beyond.slice(0, 3).join(', ') + (reach.beyond.length > 3 ? ` and ${reach.beyond.length - 3} more` : '');
  return `  the iterated metrics that can would detect twice their band at ${at}; ${reach.beyond.length} would not within ${MAX_ROUNDS_TO_SUGGEST} rounds (noise far above the band): ${named}`;
}

/** One route (target x backend x variants) as the plan prints it: image, each kernel's boot, commands. Pure. */
export function renderRoute(description: TargetDescription, indent = '  '): string[] {
  const lines = [`${indent}image/machine: ${description.plan.source}`];
  for (const [variant, boot] of Object.entries(description.plan.variants)) lines.push(`${indent}${variant} boot: ${boot}`);
  lines.push(`${indent}boot clock: ${description.plan.bootClock ?? 'none (this backend boots nothing; no boot metric)'}`);
  if (description.hostProblem !== null) lines.push(`${indent}on this host: ${description.hostProblem}`);
  lines.push(`${indent}commands:`, ...description.plan.commands.map((command) => `${indent}  ${command}`));
  return lines;
}

/** `kbench run --plan`'s closing section: how the chosen route runs, then the other routes to the same target. Pure. */
export function renderRoutes(routes: {
  note: string;
  chosen: TargetDescription;
  alternatives: readonly { flags: string; description: TargetDescription; refused: string | null }[];
}): string {
  const { chosen } = routes;
  const lines = [
    `how it runs: ${chosen.target} on ${chosen.backend} (${chosen.variants.join(', ')}), ${chosen.vm.vcpus} vCPUs, ${chosen.vm.memoryMiB} MiB`,
    `  ${routes.note}`,
    ...renderRoute(chosen),
  ];
  for (const alternative of routes.alternatives) {
    lines.push(`also: ${alternative.flags}`, ...renderRoute(alternative.description));
    if (alternative.refused !== null) lines.push(`  custom there: ${alternative.refused}`);
  }
  return `${lines.join('\n')}\n`;
}
