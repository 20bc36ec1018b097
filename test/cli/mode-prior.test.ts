/**
 * MODE PRIOR through the real CLI: `kbench compare --stock-vs-custom` reads the modes of each
 * metric from baseline.json's stored boots. The run has the shape (all custom boots of
 * fletcher4 in the slow mode, all stock boots in the fast one), which no within-run test can
 * tell from a real -33%.
 */
import { describe, expect, it } from 'vitest';
import { kbench, workdir } from '../helpers/cli.ts';
import { metric, runFile, target } from '../helpers/results-factory.ts';

const ID = 'zfs.checksum.fletcher4.bytes_per_s';
const boots = (centers: number[]) => centers.flatMap((c) => [c, c * 1.001, c * 0.999]);
const near = (center: number, n: number) => Array.from({ length: n }, (_, i) => center * (1 + 0.005 * ((i % 3) - 1)));
const f4 = (centers: number[]) => metric(ID, boots(centers), { direction: 'higher', unit: 'B/s' });
const run = runFile([target('stock', [f4(near(1.5e9, 3))]), target('custom', [f4(near(1.0e9, 3))])]);
const stored = [...near(1.0e9, 3), ...near(1.5e9, 8)];
const baseline = runFile([target('stock', [f4(stored)]), target('custom', [f4(stored)])], { kind: 'baseline' });
const NOT_CI = { CI: '' };

describe('kbench compare --stock-vs-custom: modes known from baseline.json', () => {
  it('3 of 3 custom boots in the slow mode: not called, the table says where the modes come from and how many boots decide', async () => {
    const dir = workdir({ 'run.json': run, 'baseline.json': baseline });
    const result = await kbench(dir, ['compare', '--stock-vs-custom', 'run.json'], NOT_CI);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /modes: zfs\.checksum\.fletcher4\.bytes_per_s: two modes in baseline\.json, .* and 1\.50 GB\/s; 3 of 3 custom boots in the slow one, 0 of 3 stock boots; only the mode assignment explains the change: not called/,
    );
    expect(result.stdout).toMatch(
      /note: zfs\.checksum\.fletcher4\.bytes_per_s: the boots stored in baseline\.json fall into two modes ×1\.50 apart.*about \d+ boots per side would put boots of both sides in one mode/,
    );
    expect(result.stdout).toMatch(/^Regressions \(0\):$/m);
  });

  it('without the baseline the same run is called regressed (the within-run limit)', async () => {
    const dir = workdir({ 'run.json': run });
    const result = await kbench(dir, ['compare', '--stock-vs-custom', 'run.json'], NOT_CI);
    expect(result.stdout).toMatch(/^Regressions \(1\):$/m);
  });
});
