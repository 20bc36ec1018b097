/** Emulated runs say what their ratios mean, once, in table and report. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { emulationWarnings } from '../../harness/env/emulation.ts';
import { ResultsFile } from '../../harness/results/schema.ts';

// Recorded on this project's host (x86_64, QEMU TCG), see test/results/testbed-runs-ab.test.ts.
const run = ResultsFile.parse(JSON.parse(readFileSync(new URL('../fixtures/results/testbed-run-b.json', import.meta.url), 'utf8')));

describe('emulationWarnings', () => {
  it('an x86_64 guest under TCG on an x86_64 host: emulated CPUs, real sizes', () => {
    expect(run.host!.acceleration).toBe('qemu-tcg');
    expect(emulationWarnings('run-b.json', run)).toEqual([
      "run-b.json: the guests ran under QEMU TCG (software emulation, no KVM or hvf): time and throughput ratios describe emulated CPUs, not this host's hardware; kernel size, memory and page size are the kernels' own",
    ]);
  });

  it('an aarch64 guest on an x86_64 host: nothing about Apple hardware', () => {
    const arm = structuredClone(run);
    for (const target of arm.targets) target.guest.arch = 'aarch64';
    const [warning] = emulationWarnings('arm.json', arm);
    expect(warning).toMatch(/^arm\.json: the aarch64 guests were emulated \(QEMU TCG on an x86_64 host\): .*say nothing about an Apple M-series Mac/);
  });

  it('hardware acceleration, or a machine kbench did not start: no warning', () => {
    const kvm = structuredClone(run);
    kvm.host!.acceleration = 'qemu-kvm';
    expect(emulationWarnings('kvm.json', kvm)).toEqual([]);
    expect(emulationWarnings('none.json', { ...run, host: null })).toEqual([]);
  });
});

describe('uname -m', () => {
  it('one lowercase word is a machine name; an answer that is something else is not recorded', async () => {
    const { normalizeMachine, parseMachine } = await import('../../harness/guest/common/facts.ts');
    expect(['aarch64', 'arm64', 'evbarm', 'amd64', 'x86_64', 'x64', 'riscv64'].map(normalizeMachine)).toEqual([
      'aarch64',
      'aarch64',
      'aarch64',
      'x86_64',
      'x86_64',
      'x86_64',
      'riscv64',
    ]);
    expect(parseMachine('aarch64\n')).toEqual({ ok: true, value: 'aarch64' });
    expect(parseMachine('14.1-RELEASE-p5').ok).toBe(false);
    expect(parseMachine('\u001b[31mx86_64').ok).toBe(false);
  });
});
