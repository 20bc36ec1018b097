/**
 * Checksum throughput, two ways:
 * - in-kernel: the self-benchmarks ZFS runs at module load (fletcher_4_bench in bytes/s,
 *   chksum_bench in MiB/s), sampled across module reloads because each load measures once;
 * - end to end: MB/s writing incompressible data into a dataset with checksum=fletcher4 and
 *   with checksum=sha256, timed through `zpool sync` so the data is really on disk.
 */
import { shellQuote } from '../../harness/ssh/types.ts';
import type { KstatTable } from '../../harness/guest/types.ts';
import type { IterationOutcome, MetricDefinition, Workload, WorkloadContext } from '../types.ts';
import { run } from './scratch.ts';
import { timeCommand } from './timing.ts';

const CHKSUM_ALGORITHMS = ['sha256', 'sha512', 'blake3'] as const;
/** chksum_bench has columns 1k…16m; 256k is the one nearest the 128k recordsize kbench pins. */
const CHKSUM_BLOCK_SIZES = ['256k', '1m'] as const;
const END_TO_END = ['fletcher4', 'sha256'] as const;

const kernelMetrics: MetricDefinition[] = [
  {
    id: 'zfs.checksum.fletcher4_fastest.bytes_per_s',
    unit: 'B/s',
    direction: 'higher',
    noiseThreshold: 0.1,
    timing: 'kernel',
    description: 'fletcher_4_bench: native throughput of the implementation ZFS chose',
  },
  {
    id: 'zfs.checksum.fletcher4_scalar.bytes_per_s',
    unit: 'B/s',
    direction: 'higher',
    noiseThreshold: 0.1,
    timing: 'kernel',
    description: 'fletcher_4_bench: native throughput of the scalar implementation',
  },
  ...CHKSUM_ALGORITHMS.flatMap((algorithm) =>
    CHKSUM_BLOCK_SIZES.map(
      (size): MetricDefinition => ({
        id: `zfs.checksum.${algorithm}_${size}.mib_per_s`,
        unit: 'MiB/s',
        direction: 'higher',
        noiseThreshold: 0.1,
        timing: 'kernel',
        description: `chksum_bench: ${algorithm} at ${size} blocks, fastest implementation`,
      }),
    ),
  ),
];

const endToEndMetrics: MetricDefinition[] = END_TO_END.map((checksum) => ({
  id: `zfs.checksum.write_${checksum}.mb_per_s`,
  unit: 'MB/s',
  direction: 'higher',
  timing: 'guest',
  description: `write incompressible data to a dataset with checksum=${checksum}, through zpool sync`,
}));

/** Native bytes/s of the implementation in the `fastest` row, and of `scalar`. */
export function fletcherFigures(table: KstatTable): { fastest: number | null; scalar: number | null } {
  const chosen = table.fastest?.native;
  const fastest = chosen === undefined ? null : (table.rows[chosen]?.native ?? null);
  return { fastest, scalar: table.rows.scalar?.native ?? null };
}

/** Best MiB/s over the implementations of one algorithm at one block size; null when none measured it. */
export function bestChksumFigure(table: KstatTable, algorithm: string, size: string): number | null {
  let best: number | null = null;
  for (const [implementation, columns] of Object.entries(table.rows)) {
    if (!implementation.startsWith(`${algorithm}-`)) continue;
    const value = columns[size];
    // A 0 in chksum_bench means "not measured" (not run in time), never a throughput.
    if (value === undefined || value <= 0) continue;
    best = best === null ? value : Math.max(best, value);
  }
  return best;
}

async function inKernel(ctx: WorkloadContext): Promise<IterationOutcome> {
  await ctx.guest.reloadZfsModule(ctx.shell);
  const outcome: IterationOutcome = {};
  const fletcher = fletcherFigures(await ctx.guest.readKstatTable(ctx.shell, 'fletcher_4_bench'));
  outcome['zfs.checksum.fletcher4_fastest.bytes_per_s'] = fletcher.fastest ?? { failed: 'fletcher_4_bench has no fastest row' };
  outcome['zfs.checksum.fletcher4_scalar.bytes_per_s'] = fletcher.scalar ?? { failed: 'fletcher_4_bench has no scalar row' };
  const chksum = await ctx.guest.readKstatTable(ctx.shell, 'chksum_bench');
  for (const algorithm of CHKSUM_ALGORITHMS)
    for (const size of CHKSUM_BLOCK_SIZES)
      outcome[`zfs.checksum.${algorithm}_${size}.mib_per_s`] =
        bestChksumFigure(chksum, algorithm, size) ?? { failed: `chksum_bench did not measure ${algorithm} at ${size} (0 = not run in time)` };
  return outcome;
}

async function endToEnd(ctx: WorkloadContext): Promise<IterationOutcome> {
  const data = await ctx.scratch.randomData(ctx.sizes.writeMiB);
  const pool = await ctx.scratch.createPool(Math.max(256, ctx.sizes.writeMiB * 3));
  const outcome: IterationOutcome = {};
  try {
    for (const checksum of END_TO_END) {
      const dataset = `${pool.name}/${checksum}`;
      await run(ctx.shell, `zfs create -o checksum=${checksum} ${shellQuote(dataset)}`);
      const target = `/${dataset}/data`;
      const timed = await timeCommand(ctx, `cat ${shellQuote(data)} > ${shellQuote(target)} && zpool sync ${shellQuote(pool.name)}`);
      const megabytes = (ctx.sizes.writeMiB * 1024 * 1024) / 1e6;
      outcome[`zfs.checksum.write_${checksum}.mb_per_s`] = megabytes / timed.seconds;
      await run(ctx.shell, `zfs destroy ${shellQuote(dataset)}`);
    }
  } finally {
    await ctx.scratch.destroyPool(pool.name);
  }
  return outcome;
}

export const checksum: Workload = {
  id: 'checksum',
  title: 'Checksum throughput (in-kernel self-benchmarks and end-to-end writes)',
  schedule: 'iterated',
  requiresZfs: true,
  metrics: [...kernelMetrics, ...endToEndMetrics],
  async setup() {},
  async iteration(ctx) {
    // The module reload must happen while no pool is imported, so in-kernel figures come first.
    return { ...(await inKernel(ctx)), ...(await endToEnd(ctx)) };
  },
  async teardown(ctx) {
    await ctx.scratch.destroyAll();
  },
};
