/**
 * A throwaway git repository holding the project's image inputs for the Debian testbed (copied
 * from this checkout: custom-os/debian-testbed/, kernels/zfs-m-series-tuning.conf, and
 * baseline.json for the plan's noise), with the commits the gate tests replay:
 *   base     the inputs as they are here
 *   slowed   the custom side's tuning forces the scalar fletcher4 implementation (slower
 *            checksums and scrubs; OpenZFS module parameter zfs_fletcher_4_impl)
 *   same     reverts that, and rewords a comment of the tuning file: an input changes (its hash,
 *            so the gate measures), the tuning does not
 *   docs     a README only: no input changes from `same`
 *   bloated  (branch arm64, off main) the tuning adds zfs_arc_average_blocksize=512: OpenZFS
 *            sizes the ARC's buffer hash table at module load for all of RAM in blocks of that
 *            size (arc.c buf_init: 1 MiB per GiB at the default 8K), so 16x the table, allocated
 *            at boot: more memory in use after boot, read from no clock
 *   kconfig  (branch kconfig, off main) the M-series kernel's fragment turns function tracing
 *            back on (CONFIG_FTRACE, CONFIG_FUNCTION_TRACER): the candidate's kernel is built
 *            from it, and its Image is larger (kernel.image.bytes, an exact metric)
 * Branch main is the base, the rest are on branch pr. The repository also holds the Debian arm64
 * testbed's inputs (ARM64_INPUT_PATHS), so both targets can be gated from it.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ARM64_INPUT_PATHS } from '../../custom-os/debian-arm64/testbed.ts';

const project = path.resolve(import.meta.dirname, '../..');
export const TUNING = 'kernels/zfs-m-series-tuning.conf';
export const MSERIES_FRAGMENT = 'kernels/alpine-m-series.config';

export interface GateRepo {
  dir: string;
  commits: { base: string; slowed: string; same: string; docs: string; bloated: string; kconfig: string };
}

function git(dir: string, ...args: string[]): string {
  return execFileSync('git', ['-C', dir, ...args], {
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 'kbench test',
      GIT_AUTHOR_EMAIL: 'test@invalid',
      GIT_COMMITTER_NAME: 'kbench test',
      GIT_COMMITTER_EMAIL: 'test@invalid',
      GIT_AUTHOR_DATE: '2026-12-03T08:00:00Z',
      GIT_COMMITTER_DATE: '2026-12-03T08:00:00Z',
    },
  }).trim();
}

function commit(dir: string, message: string): string {
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', message);
  return git(dir, 'rev-parse', 'HEAD');
}

export function makeGateRepo(): GateRepo {
  const dir = mkdtempSync(path.join(tmpdir(), 'kbench-gate-repo-'));
  git(dir, 'init', '-q', '-b', 'main');
  cpSync(path.join(project, 'custom-os/debian-testbed'), path.join(dir, 'custom-os/debian-testbed'), { recursive: true });
  mkdirSync(path.join(dir, 'kernels'));
  const tuning = readFileSync(path.join(project, TUNING), 'utf8');
  writeFileSync(path.join(dir, TUNING), tuning);
  cpSync(path.join(project, 'baseline.json'), path.join(dir, 'baseline.json'));
  for (const file of ARM64_INPUT_PATHS) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    cpSync(path.join(project, file), path.join(dir, file));
  }
  const base = commit(dir, 'base: the project inputs');
  git(dir, 'checkout', '-q', '-b', 'pr');
  if (!tuning.includes('zfs_fletcher_4_impl=fastest')) throw new Error(`${TUNING} no longer sets zfs_fletcher_4_impl=fastest: update the slowed commit`);
  writeFileSync(path.join(dir, TUNING), tuning.replace('zfs_fletcher_4_impl=fastest', 'zfs_fletcher_4_impl=scalar'));
  const slowed = commit(dir, 'tuning: force the scalar fletcher4 implementation');
  writeFileSync(path.join(dir, TUNING), tuning.replace('# No L2ARC writes:', '# No L2ARC writes at all:'));
  const same = commit(dir, 'tuning: reword a comment (no parameter changes)');
  writeFileSync(path.join(dir, 'README.md'), 'notes\n');
  const docs = commit(dir, 'docs only');
  git(dir, 'checkout', '-q', '-b', 'arm64', base);
  writeFileSync(path.join(dir, TUNING), `${tuning}zfs_arc_average_blocksize=512\n`);
  const bloated = commit(dir, 'tuning: size the ARC hash table for 512-byte blocks');
  git(dir, 'checkout', '-q', '-b', 'kconfig', base);
  const fragment = readFileSync(path.join(dir, MSERIES_FRAGMENT), 'utf8');
  if (!fragment.includes('# CONFIG_FTRACE is not set\n')) throw new Error(`${MSERIES_FRAGMENT} no longer disables CONFIG_FTRACE: update the kconfig commit`);
  writeFileSync(path.join(dir, MSERIES_FRAGMENT), fragment.replace('# CONFIG_FTRACE is not set\n', 'CONFIG_FTRACE=y\nCONFIG_FUNCTION_TRACER=y\n'));
  const kconfig = commit(dir, 'kernel: turn function tracing back on');
  git(dir, 'checkout', '-q', 'pr');
  return { dir, commits: { base, slowed, same, docs, bloated, kconfig } };
}
