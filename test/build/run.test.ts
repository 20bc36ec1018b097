/**
 * The build runner with real processes: a plan whose "guest" is this host (cp, sh), so copying
 * artifacts, checking a guest's SHA256SUMS, logging and resuming all run for real.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadState, runOsPlan, saveState, stillBuilt } from '../../harness/build/run.ts';
import { emptyState } from '../../harness/build/plan.ts';

const scratch = mkdtempSync(join(tmpdir(), 'kbench-build-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const repo = join(import.meta.dirname, '..', '..');

function guestWith(files: Record<string, string>, sums: boolean): string {
  const dir = mkdtempSync(join(scratch, 'guest-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  if (sums) spawnSync('sh', ['-c', 'sha256sum * > SHA256SUMS'], { cwd: dir });
  return dir;
}

describe('runOsPlan', () => {
  it('a builder that is not installed fails in one line naming it and the install', async () => {
    const outRoot = join(scratch, 'missing');
    const steps = [
      { title: 'start Lima VM kbench-build-alpine', argv: ['limactl-not-installed-here', 'start'] },
      { title: 'never', argv: ['true'] },
    ];
    const outcome = await runOsPlan({ os: 'alpine', kind: 'lima', steps }, join(outRoot, 'alpine'), join(outRoot, 'logs', 'alpine.log'), () => {});
    expect(outcome.outcome).toBe('failed');
    expect(outcome.reason).toMatch(/^start Lima VM kbench-build-alpine: limactl-not-installed-here not found on PATH \(log \S+alpine\.log\)$/);
  });

  it('copies artifacts, checks the guest SHA256SUMS, writes its own, and a second run resumes', async () => {
    const guest = guestWith({ 'vmlinuz-m-series': 'kernel', 'config-m-series': 'CONFIG_X=y\n' }, true);
    const outRoot = join(scratch, 'ok');
    const outDir = join(outRoot, 'alpine');
    const steps: { title: string; argv: string[] }[] = [
      { title: 'build in the guest', argv: ['sh', '-c', 'echo building; echo done'] },
      { title: 'copy artifacts out', argv: ['cp', '-r', `${guest}/.`, `${outDir}/`] },
    ];
    const seen: string[] = [];
    const outcome = await runOsPlan({ os: 'alpine', kind: 'lima', steps }, outDir, join(outRoot, 'logs', 'alpine.log'), (i, n, t) =>
      seen.push(`${i}/${n} ${t}`),
    );
    expect(outcome.outcome).toBe('built');
    expect(seen).toEqual(['1/2 build in the guest', '2/2 copy artifacts out']);
    expect(Object.keys(outcome.files).sort()).toEqual(['config-m-series', 'vmlinuz-m-series']);
    expect(spawnSync('sha256sum', ['-c', 'SHA256SUMS'], { cwd: outDir }).status).toBe(0);
    expect(readFileSync(join(outRoot, 'logs', 'alpine.log'), 'utf8')).toMatch(/^\$ sh -c 'echo building; echo done'\nbuilding\ndone\n/);

    const state = emptyState();
    state.oses.alpine = { status: 'built', finishedAt: 'now', seconds: outcome.seconds, files: outcome.files, reason: null };
    saveState(outRoot, state);
    const loaded = await loadState(outRoot);
    expect(await stillBuilt(outDir, loaded.oses.alpine)).toBe(true);
    // A changed artifact is not "still built": the next run rebuilds it.
    writeFileSync(join(outDir, 'vmlinuz-m-series'), 'tampered');
    expect(await stillBuilt(outDir, loaded.oses.alpine)).toBe(false);
  });

  it('a failing step stops the OS with its exit code and log; a corrupt transfer is caught by the guest SHA256SUMS', async () => {
    const outRoot = join(scratch, 'bad');
    const failed = await runOsPlan(
      {
        os: 'freebsd',
        kind: 'lima',
        steps: [
          { title: 'build in the guest', argv: ['sh', '-c', 'exit 7'] },
          { title: 'never', argv: ['true'] },
        ],
      },
      join(outRoot, 'freebsd'),
      join(outRoot, 'logs', 'freebsd.log'),
      () => {},
    );
    expect(failed).toMatchObject({ outcome: 'failed', reason: `build in the guest: sh exited 7 (log ${join(outRoot, 'logs', 'freebsd.log')})` });

    const guest = guestWith({ kernel: 'real' }, true);
    writeFileSync(join(guest, 'kernel'), 'truncated');
    const corrupt = await runOsPlan(
      { os: 'alpine', kind: 'lima', steps: [{ title: 'copy artifacts out', argv: ['cp', '-r', `${guest}/.`, `${join(outRoot, 'alpine')}/`] }] },
      join(outRoot, 'alpine'),
      join(outRoot, 'logs', 'alpine.log'),
      () => {},
    );
    expect(corrupt.outcome).toBe('failed');
    expect(corrupt.reason).toMatch(/SHA256SUMS: kernel: checksum differs from the guest's/);
  });

  it('a build-state.json it cannot trust is bad input naming file and field', async () => {
    const outRoot = join(scratch, 'state');
    spawnSync('mkdir', ['-p', outRoot]);
    writeFileSync(join(outRoot, 'build-state.json'), JSON.stringify({ format: 'kbench-build-state', formatVersion: 1, oses: { alpine: { status: 'maybe' } } }));
    await expect(loadState(outRoot)).rejects.toThrow(/build-state\.json: field oses\.alpine\.status: .*delete it to start over$/);
  });
});

describe('kbench build CLI', () => {
  const kbench = (args: string[], env: Record<string, string> = {}) =>
    spawnSync('node', [join(repo, 'bin', 'kbench.mjs'), 'build', ...args], { cwd: scratch, encoding: 'utf8', env: { ...process.env, ...env } });
  it('--dry-run --json prints one plan event per step and starts nothing', () => {
    const result = kbench(['--dry-run', '--json', '--os', 'netbsd,debian-arm64'], { KBENCH_NETBSD_SSH: '' });
    expect(result.status).toBe(0);
    const events = result.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(events.map((e) => [e.event, e.os])).toEqual([
      ['plan', 'netbsd'],
      ['plan', 'debian-arm64'],
      ['dry-run', undefined],
    ]);
    expect(events[0]!.skip).toMatch(/^Lima cannot run netbsd/);
  });
  it('a real run of skipped OSes records them, reports 0/0, writes the state and exits 0', () => {
    const out = join(scratch, 'cli-out');
    const result = kbench(['--os', 'netbsd,openbsd', '--out', out], { KBENCH_NETBSD_SSH: '', KBENCH_OPENBSD_SSH: '' });
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('skipped: netbsd openbsd\nsuccess rate: 0/0 attempted (2 requested)');
    const state = JSON.parse(readFileSync(join(out, 'build-state.json'), 'utf8')) as { oses: Record<string, { status: string }> };
    expect(state.oses.netbsd!.status).toBe('skipped');
  });
});
