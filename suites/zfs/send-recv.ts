/** MB/s of `zfs send | zfs recv` inside one pool; the byte count is what `zfs send -nvP` reports. */
import { shellQuote } from '../../harness/ssh/types.ts';
import { TIMED_RESOLUTION, type Workload } from '../types.ts';
import { run, type CreatedPool } from './scratch.ts';
import { timeCommand } from './timing.ts';

/** The stream size from `zfs send -nvP` output: the `size\t<bytes>` line. */
export function parseSendSize(output: string): number | null {
  const match = /^size\s+(\d+)\s*$/m.exec(output);
  return match === null ? null : Number(match[1]);
}

interface SendRecvState {
  pool: CreatedPool;
  snapshot: string;
  bytes: number;
  /** Names each iteration's received copy. */
  round: number;
}

export const sendRecv: Workload<SendRecvState> = {
  id: 'send_recv',
  title: 'zfs send | zfs recv of a full snapshot',
  schedule: 'iterated',
  requiresZfs: true,
  scratch: 'guest-ram',
  metrics: [
    {
      id: 'zfs.send_recv.mb_per_s',
      unit: 'MB/s',
      direction: 'higher',
      timing: 'guest',
      resolution: TIMED_RESOLUTION,
      description: 'stream bytes (zfs send -nvP) / time of send | recv',
    },
  ],
  async setup(ctx) {
    const pool = await ctx.scratch.createPool(ctx.sizes.writeMiB * 3 + 256);
    const data = await ctx.scratch.randomData(ctx.sizes.writeMiB);
    const source = `${pool.name}/src`;
    const snapshot = `${source}@kbench`;
    await run(
      ctx.shell,
      `zfs create ${shellQuote(source)} && cat ${shellQuote(data)} > ${shellQuote(`${ctx.scratch.pathOf(source)}/data`)} && zfs snapshot ${shellQuote(snapshot)}`,
    );
    // zfs send -nvP prints to stdout on 2.x; older releases used stderr: read both.
    const dry = await ctx.shell.exec(`zfs send -nvP ${shellQuote(snapshot)} 2>&1`);
    const bytes = parseSendSize(dry.stdout);
    if (bytes === null || bytes <= 0) throw new Error(`zfs send -nvP gave no size line: ${dry.stdout.trim().split('\n').pop() ?? ''}`);
    return { pool, snapshot, bytes, round: 0 };
  },
  async iteration(ctx, current) {
    const destination = `${current.pool.name}/copy${current.round++}`;
    const timed = await timeCommand(ctx, `zfs send ${shellQuote(current.snapshot)} | zfs recv ${shellQuote(destination)} && zpool sync ${current.pool.name}`);
    await run(ctx.shell, `zfs destroy -r ${shellQuote(destination)}`);
    return { 'zfs.send_recv.mb_per_s': current.bytes / 1e6 / timed.seconds };
  },
  async teardown(ctx) {
    await ctx.scratch.destroyAll();
  },
};
