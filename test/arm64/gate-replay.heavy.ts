/**
 * Opt-in heavy test (`npm run test:arm64`, not part of `npm test`): the pull-request gate for the
 * M-series arm64 kernel replayed by running .ci/gate.sh --target debian-arm64, as the workflow's
 * gate-arm64 job does, against a throwaway git repository (test/helpers/gate-repo.ts). On this
 * x86_64 host the aarch64 guest is emulated on the host's wall clock, which cannot decide
 * timings: they are shown with ‡ and not counted, while sizes and bytes gate. The bloated commit
 * (zfs_arc_average_blocksize=512: a 16x ARC hash table allocated when the zfs module loads at
 * boot) must fail with exit 1 naming memory.used_after_boot.bytes; the commit that changes an
 * input but no parameter must pass (0 false calls); the kconfig commit (function tracing back on in
 * the M-series fragment) builds the candidate's kernel (minutes here) and must fail on its larger Image. Each side's image is derived from the cached
 * arm64 testbed (built first when missing: over an hour); the per-boot workloads and pool
 * creation only, to keep it to minutes. KBENCH_GATE_REPLAY_OUT keeps the gate folders.
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureDebianArm64Testbed } from '../../custom-os/debian-arm64/testbed.ts';
import { makeGateRepo } from '../helpers/gate-repo.ts';
import { runGateScript } from '../helpers/gate-script.ts';

const MINUTE = 60_000;
const WORKLOADS = 'boot,memory,kernel_size,pool_create';

describe('the pull-request gate for the arm64 M-series kernel replayed (.ci/gate.sh --target debian-arm64, real boots)', () => {
  const repo = makeGateRepo();
  const keep = process.env.KBENCH_GATE_REPLAY_OUT ?? mkdtempSync(path.join(tmpdir(), 'kbench-gate-arm64-'));
  mkdirSync(keep, { recursive: true });

  beforeAll(async () => {
    await ensureDebianArm64Testbed({ onProgress: (line) => process.stderr.write(`debian-arm64: ${line}\n`) });
  }, 180 * MINUTE);

  const gate = (name: string, candidate: string) =>
    runGateScript({
      repo: repo.dir,
      keep,
      name,
      args: ['--target', 'debian-arm64', '--candidate', candidate, '--only', WORKLOADS, '--runs', process.env.KBENCH_ARM64_RUNS ?? '3'],
      timeoutMs: 60 * MINUTE,
    });

  it(
    'the bloated commit fails: exit 1, memory after boot named; timings shown with ‡, not counted',
    async () => {
      const bloated = await gate('bloated', 'arm64');
      expect(bloated.code, bloated.stdout.slice(-3000)).toBe(1);
      expect(bloated.gate.differences).toEqual([{ path: 'kernels/zfs-m-series-tuning.conf', change: 'changed' }]);
      expect(bloated.gate.images.candidate.derivedFrom).not.toBeNull();
      expect(bloated.gate.pageSizes).toEqual({ base: 16384, candidate: 16384 });
      expect(bloated.stdout).toMatch(
        /^::error title=kbench gate::kbench gate \(debian-arm64\): ✗ FAIL: \d+ regressions? of the candidate against the base \([^)]*memory\.used_after_boot\.bytes/m,
      );
      expect(bloated.summary).toContain('- ‡ Timings (durations and rates) are shown, not counted');
    },
    70 * MINUTE,
  );

  it(
    "a kernel config change builds the candidate's M-series kernel from its fragment: the larger Image fails the gate (exact), exit 1",
    async () => {
      const kconfig = await gate('kconfig', 'kconfig');
      expect(kconfig.code, kconfig.stdout.slice(-3000)).toBe(1);
      expect(kconfig.gate.differences).toEqual([{ path: 'kernels/alpine-m-series.config', change: 'changed' }]);
      expect(kconfig.gate.images.candidate.derivedFrom).toBeNull();
      expect(kconfig.gate.images.candidate.key).not.toBe(kconfig.gate.images.base.key);
      expect(kconfig.stdout).toMatch(
        /^::error title=kbench gate::kbench gate \(debian-arm64\): ✗ FAIL: \d+ regressions? of the candidate against the base \([^)]*kernel\.image\.bytes/m,
      );
    },
    90 * MINUTE,
  );

  it(
    'the commit that changes no parameter passes: exit 0, no counted regression',
    async () => {
      const same = await gate('same', 'pr~1');
      expect(same.code, same.stdout.slice(-3000)).toBe(0);
      expect(same.stdout).toMatch(/^::notice title=kbench gate::kbench gate \(debian-arm64\): ✓ PASS: no regression/m);
      expect(same.gate.images.base.key).toBe(same.gate.images.candidate.key);
    },
    70 * MINUTE,
  );
});
