/**
 * The Lima situation on a real guest here: the Debian testbed reached as `lima`, an unprivileged
 * login with passwordless sudo whose profile prints a fortune-style line on stdout and stderr
 * (added after each boot over root's SSH: harness/backends/qemu/images/second-login.ts). Every
 * ZFS command must then go through sudo and no login noise may reach a parser: the same metrics
 * as root, 0 failed samples. Uses the cached testbed only (building it takes ~18 min): skipped,
 * with the reason, when there is none for the current inputs.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { collectTestbedInputs, defaultCacheDir, loadTestbed } from '../../custom-os/debian-testbed/testbed.ts';
import { testbedCacheKey } from '../../custom-os/debian-testbed/inputs.ts';
import { parseResults } from '../../harness/results/store.ts';
import { metricIds, selectWorkloads } from '../../suites/index.ts';
import { startKbench } from '../helpers/kbench-process.ts';
import { unmetNeeds } from '../helpers/needs.ts';
import { qemuPidsMentioning } from '../helpers/processes.ts';

const MINUTE = 60_000;
const ONLY = ['pool_create', 'checksum', 'scrub'];

async function skipReason(): Promise<string | null> {
  const unmet = unmetNeeds(['root', 'linux', 'qemu']);
  if (unmet !== null) return unmet;
  const key = testbedCacheKey((await collectTestbedInputs()).inputs);
  const dir = path.join(defaultCacheDir(), 'debian-testbed', key);
  return (await loadTestbed(dir)) ? null : `no cached Debian testbed at ${dir} (build it: node --import tsx custom-os/debian-testbed/build.ts)`;
}

const skipped = await skipReason();
if (skipped !== null) process.stderr.write(`skipped: ${skipped}\n`);
const NAME = 'KBENCH_GUEST_USER=lima kbench run --only pool_create,checksum,scrub --runs 1: every metric measured through sudo';

it.skipIf(skipped !== null)(
  skipped === null ? NAME : `${NAME} [skipped: ${skipped}]`,
  async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kbench-lima-'));
    const out = path.join(dir, 'results.json');
    const run = startKbench(['run', '--only', ONLY.join(','), '--runs', '1', '--out', out, '--json'], () => {}, undefined, {
      ...(process.env as Record<string, string>),
      KBENCH_GUEST_USER: 'lima',
    });
    const result = await run.done;
    expect(result.code, result.stderr.slice(-2000)).toBe(0);
    expect(run.events.some((event) => /logging in as lima/.test(String(event.message ?? '')))).toBe(true);
    const results = parseResults(readFileSync(out, 'utf8'), out);
    expect(results.complete).toBe(true);
    expect(results.targets.map((t) => t.id).sort()).toEqual(['debian/custom', 'debian/stock']);
    const expected = metricIds(selectWorkloads('zfs', ONLY));
    for (const target of results.targets) {
      for (const id of expected) {
        const metric = target.metrics.find((m) => m.id === id);
        expect(metric, `${target.id} ${id}`).toBeDefined();
        expect(metric!.failures, `${target.id} ${id}`).toEqual([]);
        expect(metric!.samples.length, `${target.id} ${id}`).toBeGreaterThan(0);
      }
    }
    expect(JSON.stringify(results)).not.toMatch(/fortune:|motd:/);
    expect(await qemuPidsMentioning(dir)).toEqual([]);
  },
  60 * MINUTE,
);
