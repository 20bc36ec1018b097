/**
 * Seconds to `zpool create` a pool on fresh file vdevs (the vdevs are made before the clock starts).
 *
 * SHORTEST OF A BATCH. One iteration is CREATES_PER_ITERATION creates in one guest command, each on
 * fresh vdevs, and reports the shortest. Under the instruction-counting clock a create takes its
 * code path plus whole lost quanta of about 60 ms: in one boot on this host (Debian testbed, QEMU
 * 7.2 icount shift=0) 15 creates read 0.280 s nine times and 0.340/0.395/0.455 s the rest (40%),
 * so the median of three iterations moved by a quantum whenever two were unlucky. The delay only
 * ever adds, so the shortest of five is the code path itself unless all five lose one
 * (0.4^5 = 1%); a kernel that lengthens the path moves every create, the shortest included.
 */
import { TIMED_RESOLUTION, type Workload } from '../types.ts';
import { ZfsScratch } from './scratch.ts';
import { timeRepeated } from './timing.ts';

const VDEVS = 2;
export const CREATES_PER_ITERATION = 5;

export const poolCreate: Workload = {
  id: 'pool_create',
  title: 'zpool create on fresh file vdevs',
  schedule: 'iterated',
  requiresZfs: true,
  scratch: 'guest-ram',
  metrics: [
    {
      id: 'zfs.pool_create.seconds',
      unit: 's',
      direction: 'lower',
      timing: 'guest',
      resolution: TIMED_RESOLUTION,
      description: `zpool create -o ashift=12 on ${VDEVS} fresh file vdevs (pinned properties), shortest of ${CREATES_PER_ITERATION} per iteration`,
    },
  ],
  async setup() {},
  async iteration(ctx) {
    const pool = await ctx.scratch.makeVdevs(ZfsScratch.newPoolName(), VDEVS, ctx.sizes.poolVdevMiB);
    try {
      const seconds = await timeRepeated(
        ctx,
        ctx.scratch.createCommand(pool),
        ctx.scratch.recreateVdevsCommand(pool, ctx.sizes.poolVdevMiB),
        CREATES_PER_ITERATION,
      );
      return { 'zfs.pool_create.seconds': Math.min(...seconds) };
    } finally {
      await ctx.scratch.destroyPool(pool.name);
    }
  },
  async teardown(ctx) {
    await ctx.scratch.destroyAll();
  },
};
