/** Seconds to `zpool create` a pool on fresh file vdevs (the vdevs are made before the clock starts). */
import { TIMED_RESOLUTION, type Workload } from '../types.ts';
import { ZfsScratch } from './scratch.ts';
import { timeCommand } from './timing.ts';

const VDEVS = 2;

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
      description: `zpool create -o ashift=12 on ${VDEVS} fresh file vdevs (pinned properties)`,
    },
  ],
  async setup() {},
  async iteration(ctx) {
    const pool = await ctx.scratch.makeVdevs(ZfsScratch.newPoolName(), VDEVS, ctx.sizes.poolVdevMiB);
    try {
      const timed = await timeCommand(ctx, ctx.scratch.createCommand(pool));
      return { 'zfs.pool_create.seconds': timed.seconds };
    } finally {
      await ctx.scratch.destroyPool(pool.name);
    }
  },
  async teardown(ctx) {
    await ctx.scratch.destroyAll();
  },
};
