/**
 * `kbench run` arguments that are wrong before anything boots: one line, exit 2, nothing written.
 * No VM and no image needed, so these run everywhere (they used to wait for the testbed build).
 */
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { KBENCH_BIN } from '../helpers/kbench-process.ts';

// limactl pointed at a path that does not exist, so a Mac with Lima installed answers the same.
const NO_LIMA = {
  LIMACTL: path.join(tmpdir(), 'kbench-no-such-limactl'),
  KBENCH_LIMA_KERNEL: undefined,
  KBENCH_LIMA_CMDLINE: undefined,
  KBENCH_LIMA_INITRD: undefined,
};

async function run(args: string[]) {
  const result = await execa('node', [KBENCH_BIN, 'run', ...args], { reject: false, env: NO_LIMA });
  return { code: result.exitCode, stderr: String(result.stderr) };
}

describe('kbench run: bad arguments', () => {
  it('bad target and backend names: one line, exit 2, nothing written', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kbench-bad-'));
    for (const [args, message] of [
      [['--target', 'plan9'], /--target: unknown target "plan9" \(known: debian-testbed, debian-arm64, alpine, freebsd, netbsd, openbsd\)/],
      [['--backend', 'virtualbox'], /--backend: unknown backend "virtualbox"/],
      [['--target', 'netbsd', '--backend', 'lima'], /--backend lima: target netbsd with --kernels stock,custom: Lima cannot boot NetBSD/],
      [['--kernels', 'stock,turbo'], /--kernels: unknown kernel variant "turbo"/],
      [['--only', 'defrag'], /--only: unknown workload "defrag"/],
    ] as const) {
      const result = await run([...args, '--out', path.join(dir, 'r.json')]);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).toMatch(message);
    }
    expect(readdirSync(dir)).toEqual([]);
  });

  it('a Lima target without limactl, or without its custom kernel, fails before anything is written', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kbench-bad-'));
    const lima = await run(['--target', 'alpine', '--kernels', 'stock', '--out', path.join(dir, 'alpine', 'r.json')]);
    expect(lima.code).toBe(2);
    expect(lima.stderr.trim().split('\n').at(-1)).toMatch(/limactl not found on PATH/);
    const noKernel = await run(['--target', 'alpine', '--out', path.join(dir, 'alpine', 'r.json')]);
    expect(noKernel.code).toBe(2);
    expect(noKernel.stderr.trim().split('\n').at(-1)).toMatch(/the custom variant needs a kernel: set KBENCH_LIMA_KERNEL/);
    expect(readdirSync(dir)).toEqual([]);
  });
});
