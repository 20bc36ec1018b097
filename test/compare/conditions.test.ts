/**
 * CONDITIONS COMPARED (harness/compare/conditions.ts): what each side was measured under, where
 * two sides differ beyond the named thresholds, and how tables and the exit code use it. Pure.
 */
import { describe, expect, it } from 'vitest';
import {
  ciMode,
  compareConditions,
  compareSets,
  conditionDifferences,
  FREQUENCY_DIFFERENCE,
  HOST_BUSY_DIFFERENCE,
  pairRunVsBaseline,
  pairStockVsCustom,
  sideConditions,
  STEAL_DIFFERENCE,
  type SideConditions,
} from '../../harness/compare/index.ts';
import { meanMhz, parseCpuinfoMhz, parseScalingCurFreq, readHostCpuMhz } from '../../harness/env/cpufreq.ts';
import { guestStealFraction, summarizeLoad } from '../../harness/env/load.ts';
import { renderOutcomeText } from '../../harness/render/exporters/text.ts';
import { renderMarkdownReport } from '../../harness/render/exporters/markdown.ts';
import { buildReportModel } from '../../harness/render/model.ts';
import { HostLoadSample, ResultsFile } from '../../harness/results/schema.ts';
import { HOST, metric, runFile, target } from '../helpers/results-factory.ts';

const idle: SideConditions = {
  label: 'baseline',
  boots: 11,
  hostBusy: 0.03,
  hostSteal: 0.002,
  guestSteal: 0,
  loadPerCpu: 0.6,
  cpuMhz: 2600,
  cpuModel: 'AMD EPYC 7B13',
  qemuVersion: '7.2.22',
  accelerator: 'qemu/qemu-tcg',
  guestClock: 'host wall clock',
};
const candidate = (over: Partial<SideConditions>): SideConditions => ({ ...idle, label: 'candidate', boots: 3, ...over });

describe('conditionDifferences', () => {
  it('says nothing when the two sides agree, or differ within the thresholds', () => {
    expect(conditionDifferences(idle, candidate({}))).toEqual([]);
    expect(conditionDifferences(idle, candidate({ hostBusy: idle.hostBusy! + HOST_BUSY_DIFFERENCE - 0.01 }))).toEqual([]);
    expect(conditionDifferences(idle, candidate({ hostSteal: idle.hostSteal! + STEAL_DIFFERENCE - 0.005 }))).toEqual([]);
    // 2600 vs 2400 MHz: 200 < 10% of 2400.
    expect(conditionDifferences(idle, candidate({ cpuMhz: 2400 }))).toEqual([]);
    expect(compareConditions(idle, candidate({})).line).toBeNull();
  });

  it('a busy candidate host against an idle baseline is named with both shares', () => {
    const differences = conditionDifferences(idle, candidate({ hostBusy: 0.86 }));
    expect(differences).toEqual(["candidate host busy 86% vs baseline 3% (other processes' share of the host's CPU time, median per boot)"]);
    expect(compareConditions(idle, candidate({ hostBusy: 0.86 })).line).toBe(
      "conditions differ: candidate host busy 86% vs baseline 3% (other processes' share of the host's CPU time, median per boot); verdicts may reflect the host, not the kernel",
    );
    // Either direction: an idle candidate against a busy baseline differs too.
    expect(conditionDifferences(candidate({ label: 'stock', hostBusy: 0.5 }), { ...idle, label: 'custom' })[0]).toMatch(/^custom host busy 3% vs stock 50%/);
  });

  it('steal (host and guest), frequency beyond 10%, CPU model, accelerator, clock and QEMU each differ on their own', () => {
    const all = conditionDifferences(
      idle,
      candidate({
        hostSteal: 0.06,
        guestSteal: 0.08,
        cpuMhz: Math.ceil(2600 * (1 + FREQUENCY_DIFFERENCE)) + 1,
        cpuModel: 'Intel Xeon',
        accelerator: 'qemu/qemu-kvm',
        guestClock: 'QEMU icount shift=0',
        qemuVersion: '8.2.0',
      }),
    );
    expect(all).toEqual([
      "candidate host steal 6% vs baseline 0% (CPU time the host's hypervisor took, median per boot)",
      "candidate guest steal 8% vs baseline 0% (stolen share of the guest's CPU time, median per boot)",
      'candidate host CPU at 2862 MHz vs baseline 2600 MHz (median per boot)',
      'candidate host CPU Intel Xeon vs baseline AMD EPYC 7B13',
      'candidate accelerator qemu/qemu-kvm vs baseline qemu/qemu-tcg',
      'candidate guest clock QEMU icount shift=0 vs baseline host wall clock',
      'candidate QEMU 8.2.0 vs baseline 7.2.22',
    ]);
  });

  it('what was not recorded on one side is never a difference; the load average stands in for the busy share only when it is missing', () => {
    const old = candidate({ hostBusy: null, hostSteal: null, guestSteal: null, cpuMhz: null, qemuVersion: null });
    expect(conditionDifferences(idle, old)).toEqual([]);
    expect(conditionDifferences(idle, { ...old, loadPerCpu: 1.3 })).toEqual([
      'candidate host load 1.30 per CPU vs baseline 0.60 (1-minute load average, median per boot)',
    ]);
    // With both shares known the load average is not consulted.
    expect(conditionDifferences(idle, candidate({ loadPerCpu: 3 }))).toEqual([]);
  });
});

const load = (variant: 'stock' | 'custom', boot: number, over: Partial<HostLoadSample>): HostLoadSample => ({
  at: '2026-11-25T10:00:00.000Z',
  variant,
  boot,
  loadAverage: 1,
  otherBusyFraction: 0.01,
  stealFraction: 0,
  ...over,
});

describe('sideConditions', () => {
  it("takes the medians of one kernel's boots and the run's host fingerprint", () => {
    const run = runFile([], {
      hostLoad: [
        load('stock', 0, { otherBusyFraction: 0.9, cpuMhz: 2000, guestStealFraction: 0.1 }),
        load('custom', 0, { otherBusyFraction: 0.02, cpuMhz: 2600 }),
        load('stock', 1, { otherBusyFraction: 0.7, cpuMhz: 2100, guestStealFraction: 0.3 }),
        load('stock', 2, { otherBusyFraction: 0.8, loadAverage: 4 }),
      ],
    });
    const stock = sideConditions(run, 'stock', 'stock');
    expect(stock).toMatchObject({
      label: 'stock',
      boots: 3,
      hostBusy: 0.8,
      cpuMhz: 2050,
      guestSteal: 0.2,
      loadPerCpu: 0.5,
      cpuModel: HOST.chip,
      qemuVersion: HOST.qemuVersion,
      accelerator: 'qemu/qemu-tcg',
      guestClock: 'host wall clock',
    });
    expect(sideConditions(run, 'custom', 'custom')).toMatchObject({ boots: 1, hostBusy: 0.02, cpuMhz: 2600, guestSteal: null });
    expect(sideConditions(run, null, 'all').boots).toBe(4);
    // A file from before host load was recorded: nothing known, nothing claimed.
    expect(sideConditions(runFile([]), 'stock', 'stock')).toMatchObject({ boots: 0, hostBusy: null, cpuMhz: null });
  });
});

describe('compareSets with conditions', () => {
  const steady = [1.0, 1.01, 0.99, 1.02, 0.98, 1.0, 1.01, 0.99, 1.0];
  const slower = steady.map((v) => v * 1.5);

  it("pairStockVsCustom carries each kernel's conditions; a differing set marks every row, the table says so above the verdicts", () => {
    const run = runFile([target('stock', [metric('zfs.scrub.seconds', steady)]), target('custom', [metric('zfs.scrub.seconds', slower)])], {
      hostLoad: [0, 1, 2].flatMap((b) => [load('stock', b, { otherBusyFraction: 0.01 }), load('custom', b, { otherBusyFraction: 0.6 })]),
    });
    const outcome = compareSets(pairStockVsCustom(run));
    expect(outcome.sets[0]!.conditions!.differences).toEqual([
      "custom host busy 60% vs stock 1% (other processes' share of the host's CPU time, median per boot)",
    ]);
    expect(outcome.regressions.map((row) => row.conditionsDiffer)).toEqual([true]);

    const plain = renderOutcomeText(outcome, 'custom-vs-stock');
    const lines = plain.split('\n');
    const note = lines.findIndex((line) => line.startsWith('  conditions differ: custom host busy 60% vs stock 1%'));
    const header = lines.findIndex((line) => line.trimStart().startsWith('metric '));
    expect(note).toBeGreaterThan(0);
    expect(note).toBeLessThan(header);
    expect(plain).not.toContain('†');
    const marked = renderOutcomeText(outcome, 'custom-vs-stock', [], 'mark');
    expect(marked).toMatch(/zfs\.scrub\.seconds .*✗ regressed †/);
    expect(marked).not.toContain('not counted');
    const strict = renderOutcomeText(outcome, 'custom-vs-stock', [], 'strict');
    expect(strict).toContain('† conditions differ: not counted (--strict-conditions)');
    expect(strict).toContain('--strict-conditions: 1 regressed/improved verdict made under different conditions is not counted toward the exit code');
  });

  it('the report model and its Markdown say it above the verdicts and mark each verdict; the conditions panel lists it', () => {
    const run = runFile([target('stock', [metric('zfs.scrub.seconds', steady)]), target('custom', [metric('zfs.scrub.seconds', slower)])], {
      hostLoad: [0, 1, 2].flatMap((b) => [
        load('stock', b, { otherBusyFraction: 0.01, cpuMhz: 2600 }),
        load('custom', b, { otherBusyFraction: 0.6, cpuMhz: 2600 }),
      ]),
    });
    const model = buildReportModel({ results: [run], baseline: null, history: null, options: { generatedAt: '2026-12-03T00:00:00.000Z' } });
    expect(model.sets[0]!.conditionsNote).toMatch(/^conditions differ: custom host busy 60% vs stock 1%/);
    expect(model.verdicts[0]!.conditionsDiffer).toBe(true);
    expect(model.conditions[0]!.differences).toContain(
      "debian stock vs custom: conditions differ: custom host busy 60% vs stock 1% (other processes' share of the host's CPU time, median per boot)",
    );
    expect(Object.fromEntries(model.conditions[0]!.facts)['Host load, custom']).toContain('host CPU 2600 MHz');
    const markdown = renderMarkdownReport(model);
    const note = markdown.indexOf('> ⚠ debian: custom vs stock kernel: conditions differ: custom host busy 60% vs stock 1%');
    expect(note).toBeGreaterThan(0);
    expect(note).toBeLessThan(markdown.indexOf('### '));
    expect(markdown).toMatch(/\| ✗ † \| debian: custom vs stock kernel \| `zfs\.scrub\.seconds`/);
  });

  it('the same run on an even host: no line, no mark', () => {
    const run = runFile([target('stock', [metric('zfs.scrub.seconds', steady)]), target('custom', [metric('zfs.scrub.seconds', slower)])], {
      hostLoad: [0, 1, 2].flatMap((b) => [load('stock', b, {}), load('custom', b, {})]),
    });
    const outcome = compareSets(pairStockVsCustom(run));
    expect(outcome.sets[0]!.conditions!.line).toBeNull();
    expect(outcome.regressions.map((row) => row.conditionsDiffer)).toEqual([false]);
    expect(renderOutcomeText(outcome, 'custom-vs-stock', [], 'strict')).not.toContain('conditions differ');
  });

  it("pairRunVsBaseline compares the run's boots of the target's kernel with the baseline's", () => {
    const baseline = runFile([target('custom', [metric('zfs.scrub.seconds', steady)])], {
      kind: 'baseline',
      hostLoad: [load('custom', 0, { cpuMhz: 3000 }), load('stock', 0, { cpuMhz: 1000 })],
    });
    const run = runFile([target('custom', [metric('zfs.scrub.seconds', steady)])], { hostLoad: [load('custom', 0, { cpuMhz: 2000 })] });
    const [set] = compareSets(pairRunVsBaseline(run, baseline)).sets;
    expect(set!.conditions!.differences).toEqual(['run host CPU at 2000 MHz vs baseline 3000 MHz (median per boot)']);
  });
});

describe('ciMode', () => {
  it('--ci, or $CI set to anything but "", "0" or "false"', () => {
    expect(ciMode(true, {})).toBe(true);
    expect(ciMode(undefined, {})).toBe(false);
    expect(ciMode(undefined, { CI: 'true' })).toBe(true);
    expect(ciMode(undefined, { CI: '1' })).toBe(true);
    expect(ciMode(undefined, { CI: 'false' })).toBe(false);
    expect(ciMode(undefined, { CI: '0' })).toBe(false);
    expect(ciMode(undefined, { CI: '' })).toBe(false);
  });
});

describe('per-boot conditions recorded', () => {
  it('host CPU frequency: cpufreq scaling_cur_freq (kHz) where present, else /proc/cpuinfo "cpu MHz"', () => {
    expect(parseCpuinfoMhz('processor\t: 0\ncpu MHz\t\t: 2596.122\n\nprocessor\t: 1\ncpu MHz\t\t: 2400.000\n')).toEqual([2596.122, 2400]);
    expect(parseCpuinfoMhz('processor : 0\nBogoMIPS : 50.00\n')).toEqual([]);
    expect(parseScalingCurFreq('3500000\n')).toBe(3500);
    expect(parseScalingCurFreq('<unknown>')).toBeNull();
    expect(meanMhz([])).toBeNull();
    const files: Record<string, string> = {
      '/sys/devices/system/cpu/cpu0/cpufreq/scaling_cur_freq': '3000000',
      '/sys/devices/system/cpu/cpu1/cpufreq/scaling_cur_freq': '1000000',
      '/proc/cpuinfo': 'cpu MHz : 2596.1\n',
    };
    expect(readHostCpuMhz(2, (file) => files[file] ?? null)).toBe(2000);
    expect(readHostCpuMhz(2, (file) => (file === '/proc/cpuinfo' ? files[file]! : null))).toBe(2596);
    expect(readHostCpuMhz(2, () => null)).toBeNull();
  });

  it("a boot's frequency is the mean of its start and end readings; guest steal is the steal share between two /proc/stat readings", () => {
    const cpu = (total: number, idle: number, steal = 0) => ({ total, idle, steal });
    const summary = summarizeLoad(
      { at: 0, loadAverage: 1, cpu: cpu(1000, 500), ownTicks: 0, cpuMhz: 2000 },
      { at: 1, loadAverage: 1, cpu: cpu(2000, 900), ownTicks: 500, cpuMhz: 2400 },
    );
    expect(summary.cpuMhz).toBe(2200);
    expect(summarizeLoad({ at: 0, loadAverage: 1, cpu: null, ownTicks: null }, { at: 1, loadAverage: 1, cpu: null, ownTicks: null, cpuMhz: 2400 }).cpuMhz).toBe(
      2400,
    );
    expect(guestStealFraction(cpu(1000, 500, 10), cpu(2000, 800, 60))).toBeCloseTo(0.05, 12);
    expect(guestStealFraction(null, cpu(2000, 800, 60))).toBeNull();
    expect(guestStealFraction(cpu(1000, 500), cpu(1000, 500))).toBeNull();
  });

  it('the results schema takes the new fields and still reads files without them', () => {
    const base = load('stock', 0, {});
    expect(HostLoadSample.safeParse(base).success).toBe(true);
    expect(HostLoadSample.safeParse({ ...base, cpuMhz: 2596, guestStealFraction: 0.01 }).success).toBe(true);
    expect(HostLoadSample.safeParse({ ...base, cpuMhz: null, guestStealFraction: null }).success).toBe(true);
    expect(HostLoadSample.safeParse({ ...base, guestStealFraction: 1.5 }).success).toBe(false);
    expect(HostLoadSample.safeParse({ ...base, cpuMhz: -1 }).success).toBe(false);
    expect(ResultsFile.safeParse(runFile([], { hostLoad: [base, { ...base, boot: 1, cpuMhz: 2600, guestStealFraction: 0 }] })).success).toBe(true);
  });
});
