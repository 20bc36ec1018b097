/**
 * Opt-in heavy test (`npm run test:arm64`, not part of `npm test`): builds or reuses the Debian
 * arm64 testbed (debootstrap --arch arm64, the seed's M-series kernel cross-built from
 * linux-source-6.12, OpenZFS cross-built for both kernels), boots both kernels under
 * qemu-system-aarch64 -M virt -cpu max, and runs the whole ZFS suite once per kernel.
 * Uncached it takes over an hour on 2 cores (the kernel build); cached, the run is ~20-30 min
 * under TCG. KBENCH_ARM64_OUT keeps the results file (that is how the fixture was made).
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureDebianArm64Testbed } from '../../custom-os/debian-arm64/testbed.ts';
import { parseResults } from '../../harness/results/store.ts';
import { startKbench } from '../helpers/kbench-process.ts';
import { expectMSeriesRun } from './expect-run.ts';

const MINUTE = 60_000;

describe('kbench run --target debian-arm64 (qemu-system-aarch64)', () => {
  beforeAll(async () => {
    await ensureDebianArm64Testbed({ onProgress: (line) => process.stderr.write(`debian-arm64: ${line}\n`) });
  }, 180 * MINUTE);

  it(
    'boots Debian stock (4K pages) and the M-series kernel (16K pages), and measures the ZFS suite on both',
    async () => {
      const out = process.env.KBENCH_ARM64_OUT ?? path.join(mkdtempSync(path.join(tmpdir(), 'kbench-arm64-')), 'results.json');
      // Two full boots per kernel (KBENCH_ARM64_RUNS to change): each runs the whole suite.
      const runs = process.env.KBENCH_ARM64_RUNS ?? '2';
      const run = startKbench(['run', '--target', 'debian-arm64', '--runs', runs, '--boot-rounds', '0', '--out', out, '--json']);
      const result = await run.done;
      expect(result.code, result.stderr.slice(-2000)).toBe(0);
      expectMSeriesRun(parseResults(readFileSync(out, 'utf8'), out));
    },
    90 * MINUTE,
  );
});
