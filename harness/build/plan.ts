/**
 * `kbench build`: the seed's build-all-kernels orchestrator. Pure parts only: which OSes (the
 * recipes in recipes/, one file per OS: the commands a plan shows and a run executes), SHA256SUMS,
 * the resume state, the success rate. Side effects live in ./run.ts.
 */
import { z } from 'zod';
import { err, ok, type Result } from '../errors/index.ts';
import type { BuildEnv, OsPlan as AnyOsPlan } from './recipe.ts';
import { BUILD_RECIPES } from './recipes/index.ts';

export { GUEST_OUT, parseSshTarget, sshTargetEnv, type BuilderKind, type BuildEnv, type BuildStep } from './recipe.ts';

export type BuildOs = (typeof BUILD_RECIPES)[number]['os'];
export const BUILD_OSES = BUILD_RECIPES.map((recipe) => recipe.os) as unknown as readonly [BuildOs, ...BuildOs[]];
export type OsPlan = AnyOsPlan<BuildOs>;

export function parseOsList(raw: string | undefined): Result<BuildOs[]> {
  if (raw === undefined) return ok([...BUILD_OSES]);
  const chosen: BuildOs[] = [];
  for (const name of raw.split(',').map((s) => s.trim())) {
    if (!(BUILD_OSES as readonly string[]).includes(name)) return err(`--os: unknown OS ${JSON.stringify(name)} (expected: ${BUILD_OSES.join(',')})`);
    if (!chosen.includes(name as BuildOs)) chosen.push(name as BuildOs);
  }
  return chosen.length > 0 ? ok(chosen) : err('--os: empty list');
}

/** The OSes built on a guest you booted (Lima cannot boot them): its address comes from sshTargetEnv(os). */
export const SSH_BUILT_OSES: readonly BuildOs[] = BUILD_RECIPES.filter((recipe) => recipe.kind === 'ssh').map((recipe) => recipe.os);

/** Pure: what building `os` means, step by step (its recipe, recipes/<os>.ts). */
export function planOs(os: BuildOs, env: BuildEnv): OsPlan {
  const recipe = BUILD_RECIPES.find((candidate) => candidate.os === os);
  if (recipe === undefined) throw new Error(`no build recipe for ${JSON.stringify(os)}`);
  return recipe.plan(env) as OsPlan;
}

/** Pure: one `sha256sum` line per file, sorted by name (the format `sha256sum -c` reads). */
export function renderSha256Sums(files: Record<string, string>): string {
  return Object.keys(files)
    .sort()
    .map((name) => `${files[name]}  ${name}\n`)
    .join('');
}

/** Pure: a SHA256SUMS file to name -> hex; a malformed line is an error naming it. */
export function parseSha256Sums(text: string, source: string): Result<Record<string, string>> {
  const out: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    const match = /^([0-9a-f]{64}) [ *](.+)$/.exec(line);
    if (!match || match[2]!.includes('/') || match[2] === '..')
      return err(`${source}: line ${i + 1}: expected "<sha256>  <file name>", got ${JSON.stringify(line.slice(0, 80))}`);
    out[match[2]!] = match[1]!;
  }
  return ok(out);
}

export const OsState = z.strictObject({
  status: z.enum(['built', 'failed', 'skipped']),
  finishedAt: z.string(),
  seconds: z.number().nonnegative(),
  /** Artifact file name -> SHA-256, for built OSes (what SHA256SUMS says). */
  files: z.record(z.string(), z.string().regex(/^[0-9a-f]{64}$/)),
  reason: z.string().nullable(),
});
export type OsState = z.infer<typeof OsState>;

export const BuildState = z.strictObject({
  format: z.literal('kbench-build-state'),
  formatVersion: z.literal(1),
  oses: z.partialRecord(z.enum(BUILD_OSES), OsState),
});
export type BuildState = z.infer<typeof BuildState>;

export function emptyState(): BuildState {
  return { format: 'kbench-build-state', formatVersion: 1, oses: {} };
}

export interface BuildSummary {
  built: BuildOs[];
  resumed: BuildOs[];
  failed: BuildOs[];
  skipped: BuildOs[];
  /** "built/attempted": skipped OSes are not attempts; resumed ones count as built. */
  successRate: string;
}

export function summarize(results: { os: BuildOs; outcome: 'built' | 'resumed' | 'failed' | 'skipped' }[]): BuildSummary {
  const pick = (o: string) => results.filter((r) => r.outcome === o).map((r) => r.os);
  const built = pick('built');
  const resumed = pick('resumed');
  const failed = pick('failed');
  const ok = built.length + resumed.length;
  return { built, resumed, failed, skipped: pick('skipped'), successRate: `${ok}/${ok + failed.length}` };
}

/** Pure: a line safe to print on a terminal (control characters from logs or guests shown as \xNN). */
export function terminalSafe(line: string): string {
  return line.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
