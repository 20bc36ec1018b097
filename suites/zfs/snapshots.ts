/**
 * Snapshot create and destroy rates, one at a time and batched. Each `zfs snapshot` / `zfs
 * destroy` waits for a txg sync, so single rates measure txg latency; a batch (`zfs snapshot a@1
 * a@2 …` is atomic, `zfs destroy a@1%N` is ranged) shows the per-snapshot cost.
 */
import type { Workload, WorkloadContext } from '../types.ts';
import { run } from './scratch.ts';
import { timeCommand } from './timing.ts';

const state = new WeakMap<WorkloadContext, string>();

export const snapshots: Workload = {
  id: 'snapshots',
  title: 'zfs snapshot / destroy rates',
  schedule: 'iterated',
  requiresZfs: true,
  metrics: [
    { id: 'zfs.snapshots.create_single.per_s', unit: 'ops/s', direction: 'higher', timing: 'guest', description: 'zfs snapshot, one command per snapshot' },
    { id: 'zfs.snapshots.destroy_single.per_s', unit: 'ops/s', direction: 'higher', timing: 'guest', description: 'zfs destroy, one command per snapshot' },
    { id: 'zfs.snapshots.create_batched.per_s', unit: 'ops/s', direction: 'higher', timing: 'guest', description: 'one atomic zfs snapshot of N snapshots' },
    { id: 'zfs.snapshots.destroy_batched.per_s', unit: 'ops/s', direction: 'higher', timing: 'guest', description: 'one ranged zfs destroy fs@first%last' },
  ],
  async setup(ctx) {
    const pool = await ctx.scratch.createPool(256);
    const dataset = `${pool.name}/snaps`;
    await run(ctx.shell, `zfs create ${dataset} && head -c 1M /dev/urandom > /${dataset}/file && zpool sync ${pool.name}`);
    state.set(ctx, dataset);
  },
  async iteration(ctx) {
    const dataset = state.get(ctx);
    if (dataset === undefined) throw new Error('snapshots: setup did not run');
    const n = ctx.sizes.snapshotCount;
    const createSingle = await timeCommand(ctx, `i=1; while [ $i -le ${n} ]; do zfs snapshot ${dataset}@s$i || exit 1; i=$((i+1)); done`);
    const destroySingle = await timeCommand(ctx, `i=1; while [ $i -le ${n} ]; do zfs destroy ${dataset}@s$i || exit 1; i=$((i+1)); done`);
    const names = Array.from({ length: n }, (_, i) => `${dataset}@b${i + 1}`).join(' ');
    const createBatched = await timeCommand(ctx, `zfs snapshot ${names}`);
    const destroyBatched = await timeCommand(ctx, `zfs destroy ${dataset}@b1%b${n}`);
    return {
      'zfs.snapshots.create_single.per_s': n / createSingle.seconds,
      'zfs.snapshots.destroy_single.per_s': n / destroySingle.seconds,
      'zfs.snapshots.create_batched.per_s': n / createBatched.seconds,
      'zfs.snapshots.destroy_batched.per_s': n / destroyBatched.seconds,
    };
  },
  async teardown(ctx) {
    state.delete(ctx);
    await ctx.scratch.destroyAll();
  },
};
