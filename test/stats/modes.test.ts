import { describe, expect, it } from 'vitest';
import { compareMetrics, detectModes, sideModeCut, type NestedSample } from '../../harness/stats/index.ts';
import { describeModes } from '../../harness/render/rows.ts';

const perBoot = (values: number[]): NestedSample[] => values.map((value, boot) => ({ value, unit: `0/${boot}` }));
const logs = (values: number[]) => values.map(Math.log);

// Reconstructed from the fletcher4 case: boots at about 1.0 or 1.5 GB/s, the custom kernel's 4 all slow.
const GB = 1e9;
const stock = [1.5, 1.51, 1.0, 1.49, 1.5, 1.0, 1.52, 1.5].map((v) => v * GB);
const custom = [1.0, 1.01, 0.995, 1.0].map((v) => v * GB);

describe('GAP RULE: boots in modes', () => {
  it('finds two modes when the largest gap is >= 6 within-group SDs and >= 10%, not in one tight or one wide mode', () => {
    expect(sideModeCut(logs(stock))).not.toBeNull();
    expect(sideModeCut(logs([1.0, 1.01, 0.99, 1.0]))).toBeNull();
    expect(sideModeCut(logs([1.0, 1.02, 1.04, 1.06]))).toBeNull();
    expect(sideModeCut(logs([0.8, 1.0, 1.2, 1.4, 0.9, 1.3]))).toBeNull();
    expect(sideModeCut(logs([1.0, 1.5]))).toBeNull();
  });

  it('assigns every boot of both sides to a mode', () => {
    const modes = detectModes(logs(stock), logs(custom))!;
    expect(modes.baseline).toEqual({ low: 2, high: 6 });
    expect(modes.candidate).toEqual({ low: 4, high: 0 });
    expect(modes.low / GB).toBeCloseTo(1.0, 2);
    expect(modes.high / GB).toBeCloseTo(1.5, 2);
  });

  it('a -33% that only the mode assignment explains is not called; the row says which boots were where', () => {
    const [row] = compareMetrics([{ key: 'f4', direction: 'higher', baseline: perBoot(stock), candidate: perBoot(custom), noiseThreshold: 0.1 }]);
    expect(row!.verdict).toBe('inconclusive');
    expect(row!.modes!.explainsChange).toBe(true);
    expect(row!.note).toMatch(/only which boots landed in which mode explains the change/);
    expect(describeModes({ ...row!, unit: 'B/s' }, 'stock', 'custom')).toBe(
      'two modes, 1.00 GB/s and 1.50 GB/s; 4 of 4 custom boots in the slow one, 2 of 8 stock boots; only the mode assignment explains the change: not called',
    );
  });

  it('a real -30% below both modes is still called: at a fixed mode the custom boots are slower too', () => {
    const slower = [0.7, 0.71, 0.69, 0.7].map((v) => v * GB);
    const [row] = compareMetrics([{ key: 'f4', direction: 'higher', baseline: perBoot(stock), candidate: perBoot(slower), noiseThreshold: 0.1 }]);
    expect(row!.modes).not.toBeNull();
    expect(row!.modes!.explainsChange).toBe(false);
    expect(row!.verdict).toBe('regressed');
  });

  it('two sides in one tight mode each, far apart (+25%), is an ordinary call: no side shows modes', () => {
    const [row] = compareMetrics([{ key: 't', direction: 'lower', baseline: perBoot([100, 101, 99]), candidate: perBoot([125, 126, 124]) }]);
    expect(row!.modes).toBeUndefined();
    expect(row!.verdict).toBe('regressed');
  });
});
