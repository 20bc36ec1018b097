/**
 * kbench gate without a VM: sides read from a throwaway git repository (test/helpers/gate-repo.ts),
 * their inputs hashed and materialised from the commits' blobs, the plan, identical inputs, bad
 * revisions, and the verdict (summary, exit code) on constructed results: samples chosen here,
 * not recorded. The replay with real boots is test/e2e/gate-replay.test.ts.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { compareSets, pairStockVsCustom } from '../../harness/compare/index.ts';
import { composeGateImage } from '../../harness/gate/images.ts';
import { differences, inputHash, materialiseSide, readSide } from '../../harness/gate/revisions.ts';
import { gatePageSizes, judgeGate, runnerClass, type GateDescription } from '../../harness/gate/summary.ts';
import { ResultsFile } from '../../harness/results/schema.ts';
import { kbench } from '../helpers/cli.ts';
import { makeGateRepo, TUNING, type GateRepo } from '../helpers/gate-repo.ts';
import { HOST, metric, runFile, target } from '../helpers/results-factory.ts';

const INPUTS = ['custom-os/debian-testbed', TUNING];
const project = path.resolve(import.meta.dirname, '../..');
let repo: GateRepo;
beforeAll(() => {
  repo = makeGateRepo();
});

describe('the sides of a gate, from git', () => {
  it('hashes the inputs by content: the slowed commit differs in the tuning file only, the docs commit in nothing', async () => {
    const base = await readSide(repo.dir, 'main', repo.commits.base, INPUTS);
    const slowed = await readSide(repo.dir, 'pr~2', repo.commits.slowed, INPUTS);
    const same = await readSide(repo.dir, 'pr~1', repo.commits.same, INPUTS);
    const docs = await readSide(repo.dir, 'pr', repo.commits.docs, INPUTS);
    expect(differences(base.entries, slowed.entries)).toEqual([{ path: TUNING, change: 'changed' }]);
    expect(differences(base.entries, same.entries)).toEqual([{ path: TUNING, change: 'changed' }]);
    expect(differences(same.entries, docs.entries)).toEqual([]);
    expect(docs.inputHash).toBe(same.inputHash);
    expect(slowed.inputHash).not.toBe(base.inputHash);
    // Order does not matter; a mode does.
    expect(inputHash([...base.entries].reverse())).toBe(base.inputHash);
    expect(inputHash(base.entries.map((e, i) => (i === 0 ? { ...e, mode: '100755' } : e)))).not.toBe(base.inputHash);
    expect(base.subject).toBe('base: the project inputs');
  });

  it("materialises exactly the commit's inputs (not the work tree), once per input hash", async () => {
    const cache = mkdtempSync(path.join(tmpdir(), 'kbench-gate-cache-'));
    // The work tree is at the docs commit; the slowed tuning exists only in its commit.
    const slowed = await readSide(repo.dir, 'pr~2', repo.commits.slowed, INPUTS);
    const tree = await materialiseSide(repo.dir, slowed, cache);
    expect(tree).toBe(path.join(cache, 'gate', 'inputs', slowed.inputHash));
    expect(readFileSync(path.join(tree, TUNING), 'utf8')).toMatch(/^zfs_fletcher_4_impl=scalar$/m);
    expect(readFileSync(path.join(tree, TUNING), 'utf8')).toBe(
      execFileSync('git', ['-C', repo.dir, 'show', `${repo.commits.slowed}:${TUNING}`], { encoding: 'utf8' }),
    );
    expect(existsSync(path.join(tree, 'README.md'))).toBe(false);
    expect(readFileSync(path.join(tree, 'custom-os/debian-testbed/build-rootfs.sh'), 'utf8')).toBe(
      readFileSync(path.join(project, 'custom-os/debian-testbed/build-rootfs.sh'), 'utf8'),
    );
    writeFileSync(path.join(tree, 'marker'), 'kept');
    expect(await materialiseSide(repo.dir, slowed, cache)).toBe(tree);
    expect(existsSync(path.join(tree, 'marker'))).toBe(true);
  });
});

describe('kbench gate on the throwaway repository (no boot)', { timeout: 120_000 }, () => {
  it('--plan: names the differing input and the plan, default base = the merge base with main, exit 0', async () => {
    execFileSync('git', ['-C', repo.dir, 'checkout', '-q', repo.commits.slowed]);
    try {
      const result = await kbench(repo.dir, ['gate', '--plan', '--out', mkdtempSync(path.join(tmpdir(), 'kbench-gate-out-'))]);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(
        `base ${repo.commits.base.slice(0, 12)} (merge-base(HEAD, main)) vs candidate ${repo.commits.slowed.slice(0, 12)} (HEAD)`,
      );
      expect(result.stdout).toContain(`differ in: ${TUNING} (changed)`);
      expect(result.stdout).toMatch(/detects \(90% power\)/);
    } finally {
      execFileSync('git', ['-C', repo.dir, 'checkout', '-q', 'pr']);
    }
  });

  it('identical inputs: exit 0 without building or booting, summary.md and gate.json say so', async () => {
    const out = path.join(mkdtempSync(path.join(tmpdir(), 'kbench-gate-out-')), 'gate');
    const result = await kbench(repo.dir, ['gate', '--base', 'pr~1', '--candidate', 'pr', '--out', out]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^kbench gate \(debian-testbed\): PASS: the base and the candidate have identical inputs/);
    expect(readFileSync(path.join(out, 'summary.md'), 'utf8')).toMatch(
      /^## kbench gate \(debian-testbed\): ✓ PASS: the base and the candidate have identical inputs/,
    );
    const gate = JSON.parse(readFileSync(path.join(out, 'gate.json'), 'utf8'));
    expect(gate).toMatchObject({
      format: 'kbench-gate',
      differences: [],
      base: { commit: repo.commits.same },
      candidate: { commit: repo.commits.docs },
      slots: { stock: 'base', custom: 'candidate' },
    });
    expect(existsSync(path.join(out, 'results.json'))).toBe(false);
  });

  it('a revision git does not know, or one that looks like a flag, is one line and exit 2', async () => {
    const unknown = await kbench(repo.dir, ['gate', '--base', 'no-such-branch', '--plan']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr.trim()).toBe(`kbench: --base "no-such-branch": not a commit in ${repo.dir}`);
    const flag = await kbench(repo.dir, ['gate', '--base=--output=/tmp/x', '--plan']);
    expect(flag.code).toBe(2);
    expect(flag.stderr.trim()).toBe('kbench: --base: "--output=/tmp/x" is not a revision');
    const notRepo = await kbench(repo.dir, ['gate', '--repo', tmpdir(), '--plan']);
    expect(notRepo.code).toBe(2);
    expect(notRepo.stderr.trim()).toMatch(/^kbench: --candidate "HEAD": not a commit in /);
  });

  it('a target whose image cannot be made from a revision is refused (exit 2)', async () => {
    const result = await kbench(repo.dir, ['gate', '--target', 'alpine', '--plan']);
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toMatch(/^kbench: --backend qemu: target alpine|^kbench: --target alpine: its image/);
  });

  it(".ci/gate.sh plans from the repository's baseline.json wherever it is run from (the replay runs it elsewhere)", async () => {
    const scratch = mkdtempSync(path.join(tmpdir(), 'kbench-gate-sh-'));
    const env = { KBENCH_GATE_REPO: repo.dir, KBENCH_GATE_OUT: path.join(scratch, 'gate'), KBENCH_GATE_BASE: 'main' };
    const plan = await execa('sh', [path.join(project, '.ci/gate.sh'), '--candidate', 'pr~2', '--plan'], { cwd: scratch, env, reject: false });
    expect(plan.exitCode).toBe(0);
    expect(plan.stdout).toContain(`noise from ${path.join(repo.dir, 'baseline.json')} (`);
    expect(plan.stdout).not.toMatch(/priors/);
  });

  it(".ci/gate.sh appends the summary to $GITHUB_STEP_SUMMARY and passes kbench gate's exit code through", async () => {
    const scratch = mkdtempSync(path.join(tmpdir(), 'kbench-gate-sh-'));
    const summary = path.join(scratch, 'step-summary.md');
    writeFileSync(summary, '');
    const env = { KBENCH_GATE_REPO: repo.dir, KBENCH_GATE_OUT: path.join(scratch, 'gate'), KBENCH_GATE_BASE: 'pr~1', GITHUB_STEP_SUMMARY: summary };
    const pass = await execa('sh', [path.join(project, '.ci/gate.sh'), '--candidate', 'pr'], { cwd: scratch, env, reject: false });
    expect(pass.exitCode).toBe(0);
    expect(pass.stdout).toMatch(/^::notice title=kbench gate::kbench gate \(debian-testbed\): ✓ PASS: the base and the candidate have identical inputs/m);
    expect(readFileSync(summary, 'utf8')).toMatch(/^## kbench gate \(debian-testbed\): ✓ PASS/);
    const bad = await execa('sh', [path.join(project, '.ci/gate.sh'), '--candidate', 'nope'], {
      cwd: scratch,
      env: { ...env, KBENCH_GATE_OUT: path.join(scratch, 'bad') },
      reject: false,
    });
    expect(bad.exitCode).toBe(2);
    expect(bad.stdout).toMatch(/^::error title=kbench gate \(exit 2\)::kbench gate exited 2 before writing a summary/m);
  });

  it('kbench gate --runner-class names the class a results file was measured on', async () => {
    const result = await kbench(project, ['gate', '--runner-class', 'baseline.json']);
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toBe('linux-x64-qemu-tcg-icount0-sleep');
  });
});

describe('runner classes', () => {
  it('name the guest clock, and the two icount idle modes apart (they are never compared)', () => {
    const on = { ...HOST, os: 'linux', arch: 'x64', acceleration: 'qemu-tcg' as const, guestClock: { kind: 'icount' as const, shift: 0, sleep: true } };
    expect(runnerClass(on)).toBe('linux-x64-qemu-tcg-icount0-sleep');
    expect(runnerClass({ ...on, guestClock: { kind: 'icount', shift: 2, sleep: false } })).toBe('linux-x64-qemu-tcg-icount2');
    expect(runnerClass({ ...on, guestClock: { kind: 'icount', shift: 0 } })).toBe('linux-x64-qemu-tcg-icount0');
    expect(runnerClass({ ...on, guestClock: { kind: 'host-wall' } })).toBe('linux-x64-qemu-tcg-wall');
  });
});

/** The Debian testbed's gate runs on the instruction-counting clock (its default under TCG). */
const ICOUNT_HOST = { ...HOST, guestClock: { kind: 'icount' as const, shift: 0, sleep: true } };
const boots = (center: number, spread: number) => [0, 1, 2].flatMap((boot) => [1, 1.001, 0.999].map((k) => center * (1 + spread * (boot - 1)) * k));

describe('the verdict on a gate run (constructed samples: base in the stock slot, candidate in the custom slot)', () => {
  const gate = async (): Promise<GateDescription> => ({
    target: 'debian-testbed',
    base: await readSide(repo.dir, 'main', repo.commits.base, INPUTS),
    candidate: await readSide(repo.dir, 'pr~2', repo.commits.slowed, INPUTS),
    differences: [{ path: TUNING, change: 'changed' }],
    images: { base: { key: 'a'.repeat(64), derivedFrom: null }, candidate: { key: 'b'.repeat(64), derivedFrom: 'a'.repeat(64) } },
    plan: null,
    runnerClass: runnerClass(ICOUNT_HOST),
    host: ICOUNT_HOST,
    files: { results: 'runs/gate/results.json', report: 'runs/gate/report.html', summary: 'runs/gate/summary.md' },
  });
  const run = (candidateScrub: number) =>
    runFile([
      target('stock', [metric('zfs.scrub.seconds', boots(2.0, 0.01)), metric('zfs.pool_create.seconds', boots(0.28, 0.01))]),
      target('custom', [metric('zfs.scrub.seconds', boots(candidateScrub, 0.01)), metric('zfs.pool_create.seconds', boots(0.28, 0.01))]),
    ]);

  it('a slower candidate: exit 1, the regression named in the headline and first in the summary', async () => {
    const verdict = judgeGate(compareSets(pairStockVsCustom(run(3.0))), await gate());
    expect(verdict.exitCode).toBe(1);
    expect(verdict.headline).toBe('FAIL: 1 regression of the candidate against the base (zfs.scrub.seconds)');
    const md = verdict.markdown;
    expect(md.indexOf('### ✗ Regressions (1)')).toBeLessThan(md.indexOf('### All compared metrics'));
    expect(md).toMatch(/\| ✗ \| `zfs\.scrub\.seconds` \| 2\.00 s .* \| 3\.00 s .* \| \+50% .* \| regressed \|/);
    expect(md).toContain(`- The sides differ in: \`${TUNING}\` (changed)`);
    expect(md).toContain('(derived from aaaaaaaaaaaa: only the ZFS tuning differs)');
    expect(verdict.text).toMatch(/^ {2}regressed +zfs\.scrub\.seconds +\+50%/m);
  });

  it('the same numbers on both sides: exit 0, no regression, both metrics equivalent', async () => {
    const verdict = judgeGate(compareSets(pairStockVsCustom(run(2.0))), await gate());
    expect(verdict.exitCode).toBe(0);
    expect(verdict.headline).toBe('PASS: no regression of the candidate against the base (0 regressed, 0 improved, 2 equivalent, 0 inconclusive)');
    expect(verdict.markdown).toContain('### ✗ Regressions (0)\n\nNone.');
  });

  it("the candidate's boots on a busier host: the summary and the text say so above the verdicts", async () => {
    const busy = run(2.0);
    busy.hostLoad = [0, 1, 2].flatMap((b) => [
      { at: '2026-11-25T10:00:00.000Z', variant: 'stock' as const, boot: b, loadAverage: 1, otherBusyFraction: 0.01, stealFraction: 0 },
      { at: '2026-11-25T10:00:00.000Z', variant: 'custom' as const, boot: b, loadAverage: 2, otherBusyFraction: 0.5, stealFraction: 0 },
    ]);
    const verdict = judgeGate(compareSets(pairStockVsCustom(busy)), await gate());
    const line =
      "conditions differ: custom host busy 50% vs stock 1% (other processes' share of the host's CPU time, median per boot); verdicts may reflect the host, not the kernel";
    const note = verdict.markdown.indexOf(`- ⚠ ${line}`);
    expect(note).toBeGreaterThan(0);
    expect(note).toBeLessThan(verdict.markdown.indexOf('### ✗ Regressions'));
    expect(verdict.text).toContain(`  ${line}\n`);
    expect(judgeGate(compareSets(pairStockVsCustom(run(2.0))), await gate()).text).not.toContain('conditions differ');
  });

  it('CONDITIONS COMPARED in the gate: a regression on a busier host is marked † in CI mode, and with --strict-conditions not counted (exit 0, said so)', async () => {
    const busy = run(3.0);
    busy.hostLoad = [0, 1, 2].flatMap((b) => [
      { at: '2026-11-25T10:00:00.000Z', variant: 'stock' as const, boot: b, loadAverage: 1, otherBusyFraction: 0.01, stealFraction: 0 },
      { at: '2026-11-25T10:00:00.000Z', variant: 'custom' as const, boot: b, loadAverage: 2, otherBusyFraction: 0.5, stealFraction: 0 },
    ]);
    const outcome = compareSets(pairStockVsCustom(busy));
    const plain = judgeGate(outcome, await gate());
    expect(plain.exitCode).toBe(1);
    expect(plain.markdown).not.toContain('†');
    const marked = judgeGate(outcome, await gate(), 'mark');
    expect(marked.exitCode).toBe(1);
    expect(marked.headline).toBe('FAIL: 1 regression of the candidate against the base (zfs.scrub.seconds)');
    expect(marked.markdown).toMatch(/\| ✗ \| `zfs\.scrub\.seconds` \|.*\| regressed † \|/);
    expect(marked.markdown).toContain('† made under different conditions on its two sides');
    expect(marked.text).toMatch(/^ {2}regressed +zfs\.scrub\.seconds +\+50%.* † conditions differ$/m);
    const strict = judgeGate(outcome, await gate(), 'strict');
    expect(strict.exitCode).toBe(0);
    expect(strict.headline).toMatch(
      /^PASS: no regression of the candidate against the base \(1 regressed, .*\); 1 regression made under different conditions not counted \(--strict-conditions: zfs\.scrub\.seconds\)$/,
    );
    expect(strict.markdown).toContain('not counted toward the exit code (--strict-conditions)');
    expect(strict.text).toContain('† conditions differ: not counted (--strict-conditions)');
    // Without differing conditions --strict-conditions changes nothing.
    expect(judgeGate(compareSets(pairStockVsCustom(run(3.0))), await gate(), 'strict').exitCode).toBe(1);
  });

  it('kbench gate has --ci and --strict-conditions', async () => {
    const help = await kbench(project, ['gate', '--help']);
    expect(help.stdout).toContain('--strict-conditions');
    expect(help.stdout).toContain('--ci');
  });

  it('git text in the summary is escaped (a subject cannot inject Markdown or mentions)', async () => {
    const described = await gate();
    described.candidate = { ...described.candidate, subject: 'fix | [x](javascript:alert) @everyone <b>' };
    const md = judgeGate(compareSets(pairStockVsCustom(run(2.0))), described).markdown;
    expect(md).toContain('"fix \\| \\[x\\](javascript:alert) &#64;everyone &lt;b&gt;"');
  });
});

describe('DECIDING CLOCK: on the host wall clock under TCG (an emulated aarch64 guest) timings are shown, not counted; sizes gate everywhere', () => {
  const WALL_TCG = HOST; // qemu-tcg, no guestClock recorded: the host's wall clock
  const gate = async (host: typeof HOST, pageSizes: GateDescription['pageSizes'] = null): Promise<GateDescription> => ({
    target: 'debian-arm64',
    base: await readSide(repo.dir, 'main', repo.commits.base, INPUTS),
    candidate: await readSide(repo.dir, 'pr~2', repo.commits.slowed, INPUTS),
    differences: [{ path: TUNING, change: 'changed' }],
    images: null,
    plan: null,
    runnerClass: runnerClass(host),
    host,
    pageSizes,
    files: { results: null, report: null, summary: null },
  });
  const run = (candidateScrub: number, candidateMemory: number) =>
    runFile([
      target('stock', [metric('zfs.scrub.seconds', boots(2.0, 0.01)), metric('memory.used_after_boot.bytes', boots(200e6, 0.001), { unit: 'B' })]),
      target('custom', [
        metric('zfs.scrub.seconds', boots(candidateScrub, 0.01)),
        metric('memory.used_after_boot.bytes', boots(candidateMemory, 0.001), { unit: 'B' }),
      ]),
    ]);

  it('a slower scrub on the wall clock under TCG: shown as regressed ‡, not counted (exit 0, said so)', async () => {
    const verdict = judgeGate(compareSets(pairStockVsCustom(run(3.0, 200e6))), await gate(WALL_TCG));
    expect(verdict.exitCode).toBe(0);
    expect(verdict.headline).toMatch(
      /^PASS: no regression .*; 1 timing regression not counted: the host's wall clock under TCG cannot decide timings \(zfs\.scrub\.seconds\)$/,
    );
    expect(verdict.markdown).toMatch(/\| ✗ \| `zfs\.scrub\.seconds` \|.*\| regressed ‡ \|/);
    expect(verdict.markdown).toContain('- ‡ Timings (durations and rates) are shown, not counted');
    expect(verdict.text).toMatch(/^ {2}regressed +zfs\.scrub\.seconds +\+50%.* ‡ not counted \(wall clock under TCG\)$/m);
  });

  it('the same slower scrub gates on a clock that decides it: icount, KVM, HVF', async () => {
    for (const host of [ICOUNT_HOST, { ...HOST, acceleration: 'qemu-kvm' as const }, { ...HOST, acceleration: 'qemu-hvf' as const }]) {
      const verdict = judgeGate(compareSets(pairStockVsCustom(run(3.0, 200e6))), await gate(host));
      expect(verdict.exitCode).toBe(1);
      expect(verdict.markdown).not.toContain('‡');
    }
  });

  it('more memory after boot gates on the wall clock too (bytes are read from no clock): exit 1, named', async () => {
    const verdict = judgeGate(compareSets(pairStockVsCustom(run(2.0, 240e6))), await gate(WALL_TCG));
    expect(verdict.exitCode).toBe(1);
    expect(verdict.headline).toBe('FAIL: 1 regression of the candidate against the base (memory.used_after_boot.bytes)');
  });

  it('a changed kernel page size fails the gate like an exact metric; an equal or unrecorded one does not', async () => {
    const same = run(2.0, 200e6);
    const changed = judgeGate(compareSets(pairStockVsCustom(same)), await gate(WALL_TCG, { base: 16384, candidate: 4096 }));
    expect(changed.exitCode).toBe(1);
    expect(changed.headline).toBe('FAIL: 1 regression of the candidate against the base (kernel page size)');
    expect(changed.markdown).toContain('- Kernel page size: base 16384 B, candidate 4096 B ✗ changed (gates like an exact metric)');
    expect(changed.text).toContain('  regressed    kernel page size changed: base 16384 B, candidate 4096 B');
    expect(judgeGate(compareSets(pairStockVsCustom(same)), await gate(WALL_TCG, { base: 16384, candidate: 16384 })).exitCode).toBe(0);
    expect(judgeGate(compareSets(pairStockVsCustom(same)), await gate(WALL_TCG, { base: 16384, candidate: null })).exitCode).toBe(0);
  });

  it("the recorded debian-arm64 run judged as a gate (Debian's 4K kernel as base, the M-series as candidate): memory and page size fail it, no timing counts", async () => {
    // Recorded by `npm run test:arm64` on this host (x86_64, QEMU 7.2 TCG emulating aarch64, host wall clock), 2026-12-01.
    const recorded = ResultsFile.parse(JSON.parse(readFileSync(path.join(project, 'test/fixtures/results/debian-arm64-run.json'), 'utf8')));
    const verdict = judgeGate(compareSets(pairStockVsCustom(recorded)), await gate(recorded.host!, gatePageSizes(recorded)));
    expect(verdict.exitCode).toBe(1);
    expect(verdict.headline).toMatch(/^FAIL: 2 regressions of the candidate against the base \(memory\.used_after_boot\.bytes, kernel page size\)/);
    // boot.kernel.seconds reads -89% "improved" on that clock: shown with ‡, it decides nothing either way.
    expect(verdict.markdown).toMatch(/`boot\.kernel\.seconds` \|.*\| improved ‡ \|/);
  });
});

describe("the gate's image: each side boots its own revision's custom kernel, disk and key", () => {
  const image = (name: string) => ({
    rootDisk: { path: `/cache/${name}/disk.raw`, format: 'raw' as const },
    boot: {
      stock: { kind: 'linux-kernel' as const, kernelPath: `/cache/${name}/vmlinuz-amd64`, initrdPath: `/cache/${name}/initrd-amd64`, append: 'console=ttyS0' },
      custom: {
        kind: 'linux-kernel' as const,
        kernelPath: `/cache/${name}/vmlinuz-cloud-amd64`,
        initrdPath: `/cache/${name}/initrd-cloud-amd64`,
        append: 'console=ttyS0',
      },
    },
    extraDisks: [],
    ssh: { user: 'root', privateKeyPath: `/cache/${name}/id_ed25519` },
    probeKernel: `/cache/${name}/vmlinuz-amd64`,
    kernelImage: { stock: `/cache/${name}/vmlinuz-amd64`, custom: `/cache/${name}/vmlinuz-cloud-amd64` },
  });

  it('base in the stock slot, candidate in the custom slot, both their custom kernels', () => {
    const composed = composeGateImage(image('base'), image('candidate'));
    expect(composed.boot.stock).toMatchObject({ kernelPath: '/cache/base/vmlinuz-cloud-amd64' });
    expect(composed.boot.custom).toMatchObject({ kernelPath: '/cache/candidate/vmlinuz-cloud-amd64' });
    expect(composed.kernelImage).toEqual({ stock: '/cache/base/vmlinuz-cloud-amd64', custom: '/cache/candidate/vmlinuz-cloud-amd64' });
    expect(composed.perVariant).toEqual({
      stock: { rootDisk: { path: '/cache/base/disk.raw', format: 'raw' }, privateKeyPath: '/cache/base/id_ed25519' },
      custom: { rootDisk: { path: '/cache/candidate/disk.raw', format: 'raw' }, privateKeyPath: '/cache/candidate/id_ed25519' },
    });
  });
});
