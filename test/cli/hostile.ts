/** Shared by the hostile-input battery: a valid run and baseline, and the "refused cleanly" assertion. */
import { expect } from 'vitest';
import { kbench, listing } from '../helpers/cli.ts';
import { metric, runFile, target } from '../helpers/results-factory.ts';

const steady = [1.0, 1.01, 0.99, 1.02, 0.98, 1.0, 1.01, 0.99, 1.0, 1.02];
export const goodRun = () => structuredClone(runFile([target('custom', [metric('zfs.pool_create.seconds', steady)])]));
export const goodBaseline = () => ({ ...goodRun(), kind: 'baseline' as const, runId: 'baseline', settings: null });
/** An interrupted run that `run --resume` would continue. */
export const resumable = () => ({ ...goodRun(), complete: false });

export const deepJson = (levels = 100_000) => `${'['.repeat(levels)}${']'.repeat(levels)}`;

/**
 * Exit 2, exactly one line on stderr matching, nothing on stdout, and the folder unchanged.
 * Progress lines of a run that had started ("[00:00 elapsed …]") may come before the answer,
 * and commander's "(run with --help for usage)" after a usage error.
 */
export async function refused(dir: string, args: string[], pattern: RegExp, env: Record<string, string> = {}): Promise<string> {
  const before = listing(dir);
  const result = await kbench(dir, args, env);
  const lines = result.stderr
    .trimEnd()
    .split('\n')
    .filter((line) => !/^\[\d\d:\d\d elapsed, ETA /.test(line) && line !== '(run with --help for usage)');
  expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(2);
  expect(lines, result.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
  expect(lines[0]).not.toMatch(/unexpected error|RangeError|\u001b|ENOENT:|EISDIR:/);
  expect(result.stdout).toBe('');
  expect(listing(dir)).toEqual(before);
  return lines[0]!;
}
