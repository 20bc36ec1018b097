/**
 * Opt-in heavy test (`npm run test:gate`, not part of `npm test`: two gate runs of ~16 min each
 * on this 2-core host would take most of CI's 90 minutes): the pull-request gate replayed here by
 * running .ci/gate.sh, as the workflow does, against a throwaway git repository
 * (test/helpers/gate-repo.ts) whose branch pr holds a commit that slows the custom side
 * (zfs_fletcher_4_impl=scalar) and one that changes an input but no parameter. The slowed
 * commit must fail with exit 1 naming a checksum or scrub metric; the unchanged one must pass
 * with no regression (0 false calls). Both boot the cached testbed image (never built here: the
 * suite skips, saying so, when it is not cached) and derive each side's tuning from it; one
 * guest at a time. KBENCH_GATE_REPLAY_OUT keeps the two gate folders (the closing note's outputs).
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { collectTestbedInputs, defaultCacheDir, loadTestbed } from '../../custom-os/debian-testbed/testbed.ts';
import { testbedCacheKey } from '../../custom-os/debian-testbed/inputs.ts';
import { makeGateRepo } from '../helpers/gate-repo.ts';
import { runGateScript } from '../helpers/gate-script.ts';
import { unmetNeeds } from '../helpers/needs.ts';

const MINUTE = 60_000;

/** Why the replay cannot run here, or null: QEMU on an x86_64 Linux host, and the testbed image already cached. */
async function unmet(): Promise<string | null> {
  const needs = unmetNeeds(['linux', 'qemu']);
  if (needs !== null) return needs;
  const key = testbedCacheKey((await collectTestbedInputs()).inputs);
  const dir = path.join(defaultCacheDir(), 'debian-testbed', key);
  return (await loadTestbed(dir)) === null
    ? `needs the cached Debian testbed image ${dir} (build it once: npm run main, or custom-os/debian-testbed/build.ts as root)`
    : null;
}

const reason = await unmet();
if (reason !== null) process.stderr.write(`skipped: ${reason}\n`);

describe.skipIf(reason !== null)(
  reason === null ? 'the pull-request gate replayed (.ci/gate.sh, real boots)' : `the pull-request gate replayed [skipped: ${reason}]`,
  () => {
    const repo = makeGateRepo();
    const keep = process.env.KBENCH_GATE_REPLAY_OUT ?? mkdtempSync(path.join(tmpdir(), 'kbench-gate-replay-'));
    mkdirSync(keep, { recursive: true });

    const gate = (name: string, candidate: string) => runGateScript({ repo: repo.dir, keep, name, args: ['--candidate', candidate], timeoutMs: 45 * MINUTE });

    it(
      'the slowed commit fails: exit 1, a checksum or scrub metric named as regressed',
      async () => {
        const slowed = await gate('slowed', 'pr~2');
        expect(slowed.code).toBe(1);
        expect(slowed.gate.differences).toEqual([{ path: 'kernels/zfs-m-series-tuning.conf', change: 'changed' }]);
        expect(slowed.gate.images.candidate.derivedFrom).not.toBeNull();
        expect(slowed.stdout).toMatch(
          /^::error title=kbench gate::kbench gate \(debian-testbed\): ✗ FAIL: \d+ regressions? of the candidate against the base \(.*zfs\.(checksum\.\w*fletcher4\w*|scrub)\./m,
        );
        expect(slowed.summary.indexOf('### ✗ Regressions')).toBeLessThan(slowed.summary.indexOf('### All compared metrics'));
        expect(slowed.summary).toMatch(/- The plan detects \(90% power/);
      },
      45 * MINUTE,
    );

    it(
      'the commit that changes no parameter passes: exit 0, no regression',
      async () => {
        const same = await gate('same', 'pr~1');
        expect(same.code).toBe(0);
        expect(same.summary).toContain('### ✗ Regressions (0)\n\nNone.');
        expect(same.stdout).toMatch(/^::notice title=kbench gate::kbench gate \(debian-testbed\): ✓ PASS: no regression/m);
      },
      45 * MINUTE,
    );
  },
);
