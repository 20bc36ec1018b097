/**
 * `zpool scrub -w` of a pool filled with incompressible data: seconds, and MB/s of what the scrub
 * examined. `zpool status` only prints whole seconds, so the clock is ours; the byte count comes
 * from `zpool status -j --json-int` scan stats (zfs >= 2.3) when present, else the pool's
 * allocated bytes.
 */
import { shellQuote } from '../../harness/ssh/types.ts';
import { TIMED_RESOLUTION, type Workload } from '../types.ts';
import { run, type CreatedPool } from './scratch.ts';
import { timeCommand } from './timing.ts';

export interface ScanStats {
  function: string;
  state: string;
  examined: number;
  startTime: number;
  endTime: number;
}

/** Reads scan_stats for one pool from `zpool status -j --json-int POOL`; null when absent. */
export function parseScanStats(json: string, pool: string): ScanStats | null {
  let data: unknown;
  try {
    data = JSON.parse(json);
  } catch {
    return null;
  }
  const scan = (data as { pools?: Record<string, { scan_stats?: Record<string, unknown> }> }).pools?.[pool]?.scan_stats;
  if (scan === undefined) return null;
  const number = (key: string): number => Number(scan[key]);
  const stats = {
    function: String(scan.function ?? ''),
    state: String(scan.state ?? ''),
    examined: number('examined'),
    startTime: number('start_time'),
    endTime: number('end_time'),
  };
  return Number.isFinite(stats.examined) ? stats : null;
}

/**
 * zpool status keeps whole-second start/end times: our clock must agree with them to within
 * their resolution (plus a second of slack), or the timing measured something else.
 */
export function scrubTimingDisagreement(scan: ScanStats, measuredSeconds: number): string | null {
  if (!(scan.endTime > 0 && scan.startTime > 0)) return null;
  const reported = scan.endTime - scan.startTime;
  if (Math.abs(reported - measuredSeconds) <= 2) return null;
  return `scrub took ${measuredSeconds.toFixed(2)} s by our clock but ${reported} s by zpool status scan_stats`;
}

export const scrub: Workload<CreatedPool> = {
  id: 'scrub',
  title: 'zpool scrub of a pool full of incompressible data',
  schedule: 'iterated',
  requiresZfs: true,
  scratch: 'guest-ram',
  metrics: [
    { id: 'zfs.scrub.seconds', unit: 's', direction: 'lower', timing: 'guest', resolution: TIMED_RESOLUTION, description: 'wall time of zpool scrub -w' },
    {
      id: 'zfs.scrub.mb_per_s',
      unit: 'MB/s',
      direction: 'higher',
      timing: 'guest',
      resolution: TIMED_RESOLUTION,
      description: 'bytes examined by the scrub / its wall time',
    },
  ],
  async setup(ctx) {
    const pool = await ctx.scratch.createPool(Math.ceil(ctx.sizes.scrubMiB * 1.25) + 256);
    const chunk = await ctx.scratch.randomData(ctx.sizes.writeMiB);
    const copies = Math.max(1, Math.round(ctx.sizes.scrubMiB / ctx.sizes.writeMiB));
    // Copies of one random file: incompressible, and no dedup is enabled, so every block is real.
    await run(
      ctx.shell,
      `i=0; while [ $i -lt ${copies} ]; do cat ${shellQuote(chunk)} > ${shellQuote(ctx.scratch.pathOf(pool.name))}/fill$i || exit 1; i=$((i+1)); done; zpool sync ${pool.name}`,
      3_600_000,
    );
    return pool;
  },
  async iteration(ctx, pool) {
    const timed = await timeCommand(ctx, `zpool scrub -w ${pool.name}`);
    const status = await ctx.shell.exec(`zpool status -j --json-int ${pool.name}`);
    const scan = status.code === 0 ? parseScanStats(status.stdout, pool.name) : null;
    let bytes: number;
    const disagreement = scan === null ? null : scrubTimingDisagreement(scan, timed.seconds);
    if (disagreement !== null) return { 'zfs.scrub.seconds': { failed: disagreement }, 'zfs.scrub.mb_per_s': { failed: disagreement } };
    if (scan !== null && scan.function.toUpperCase() === 'SCRUB' && scan.examined > 0) bytes = scan.examined;
    else bytes = Number((await run(ctx.shell, `zpool get -Hp -o value allocated ${pool.name}`)).trim());
    if (!Number.isFinite(bytes) || bytes <= 0) return { 'zfs.scrub.seconds': timed.seconds, 'zfs.scrub.mb_per_s': { failed: 'scrub examined no bytes' } };
    return { 'zfs.scrub.seconds': timed.seconds, 'zfs.scrub.mb_per_s': bytes / 1e6 / timed.seconds };
  },
  async teardown(ctx) {
    await ctx.scratch.destroyAll();
  },
};
