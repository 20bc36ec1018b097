/**
 * Snapshot create and destroy rates, one at a time and batched. Each `zfs snapshot` / `zfs
 * destroy` command waits for a txg sync, so single rates measure txg latency; a batch shows the
 * per-snapshot cost when many are taken in one sync. ZFS allows one snapshot per filesystem in an
 * atomic `zfs snapshot a@x b@x …`, so the batch spans N child datasets, and `zfs destroy -r
 * parent@x` removes them again in one operation.
 */
import { TIMED_RESOLUTION, type Workload } from '../types.ts';
import { shellQuote } from '../../harness/ssh/types.ts';
import { run } from './scratch.ts';
import { timeCommand } from './timing.ts';

export const snapshots: Workload<{ parent: string; children: string[] }> = {
  id: 'snapshots',
  title: 'zfs snapshot / destroy rates',
  schedule: 'iterated',
  requiresZfs: true,
  scratch: 'guest-ram',
  metrics: [
    {
      id: 'zfs.snapshots.create_single.per_s',
      unit: 'ops/s',
      direction: 'higher',
      timing: 'guest',
      resolution: TIMED_RESOLUTION,
      description: 'zfs snapshot, one command per snapshot',
    },
    {
      id: 'zfs.snapshots.destroy_single.per_s',
      unit: 'ops/s',
      direction: 'higher',
      timing: 'guest',
      resolution: TIMED_RESOLUTION,
      description: 'zfs destroy, one command per snapshot',
    },
    {
      id: 'zfs.snapshots.create_batched.per_s',
      unit: 'ops/s',
      direction: 'higher',
      timing: 'guest',
      resolution: TIMED_RESOLUTION,
      description: 'one atomic zfs snapshot of N+1 datasets',
    },
    {
      id: 'zfs.snapshots.destroy_batched.per_s',
      unit: 'ops/s',
      direction: 'higher',
      timing: 'guest',
      resolution: TIMED_RESOLUTION,
      description: 'one zfs destroy -r of those N snapshots',
    },
  ],
  async setup(ctx) {
    const pool = await ctx.scratch.createPool(256);
    const parent = `${pool.name}/snaps`;
    const children = Array.from({ length: ctx.sizes.snapshotCount }, (_, i) => `${parent}/c${i + 1}`);
    await run(
      ctx.shell,
      `zfs create ${parent} && for c in ${children.join(' ')}; do zfs create $c || exit 1; done && head -c 1M /dev/urandom > ${shellQuote(`${ctx.scratch.pathOf(parent)}/file`)} && zpool sync ${pool.name}`,
    );
    return { parent, children };
  },
  async iteration(ctx, { parent, children }) {
    const n = children.length;
    const createSingle = await timeCommand(ctx, `i=1; while [ $i -le ${n} ]; do zfs snapshot ${parent}@s$i || exit 1; i=$((i+1)); done`);
    const destroySingle = await timeCommand(ctx, `i=1; while [ $i -le ${n} ]; do zfs destroy ${parent}@s$i || exit 1; i=$((i+1)); done`);
    // The parent is in the batch too, so `destroy -r parent@b` finds every one of them by name.
    const batch = [parent, ...children];
    const createBatched = await timeCommand(ctx, `zfs snapshot ${batch.map((dataset) => `${dataset}@b`).join(' ')}`);
    const destroyBatched = await timeCommand(ctx, `zfs destroy -r ${parent}@b`);
    return {
      'zfs.snapshots.create_single.per_s': n / createSingle.seconds,
      'zfs.snapshots.destroy_single.per_s': n / destroySingle.seconds,
      'zfs.snapshots.create_batched.per_s': batch.length / createBatched.seconds,
      'zfs.snapshots.destroy_batched.per_s': batch.length / destroyBatched.seconds,
    };
  },
  async teardown(ctx) {
    await ctx.scratch.destroyAll();
  },
};
