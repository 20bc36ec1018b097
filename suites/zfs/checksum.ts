/**
 * Checksum throughput, three ways:
 * - in-kernel: the self-benchmarks ZFS runs at module load (fletcher_4_bench in bytes/s,
 *   chksum_bench in whole MiB/s: resolution step 1), sampled across module reloads because each
 *   load measures once;
 * - at 1 MiB records, measured by kbench: chksum_bench skips every size >= 1 MiB when its first
 *   run (edonr-generic at 1k) is under 300 MiB/s (LIMIT_PERF_MBS, module/zfs/zfs_chksum.c,
 *   OpenZFS 2.2-2.3), which every emulated guest is. So the pool verifies them: a guest-timed
 *   `zpool scrub` of the same data with recordsize=1M and checksum=<algorithm>, less the same
 *   scrub with checksum=off, is the time that algorithm took over those 1 MiB blocks;
 * - end to end: MB/s writing incompressible data into a dataset with checksum=fletcher4 and
 *   with checksum=sha256, timed through `zpool sync` so the data is really in the pool.
 */
import { shellQuote } from '../../harness/ssh/types.ts';
import type { KstatTable } from '../../harness/guest/types.ts';
import { TIMED_RESOLUTION, type IterationOutcome, type MetricDefinition, type Workload, type WorkloadContext } from '../types.ts';
import { run, type CreatedPool } from './scratch.ts';
import { timeCommand } from './timing.ts';

const CHKSUM_ALGORITHMS = ['sha256', 'sha512', 'blake3'] as const;
/** chksum_bench has columns 1k…16m; 256k is the one nearest the 128k recordsize kbench pins. */
const CHKSUM_KSTAT_SIZE = '256k';
/**
 * chksum_bench: run_bw / 1024 / 1024 in integer arithmetic (module/zfs/zfs_chksum.c), so whole
 * MiB/s rounded down; fletcher_4_bench likewise in whole bytes/s.
 */
const KSTAT_MIB_STEP = { step: 1, floor: true };
const END_TO_END = ['fletcher4', 'sha256'] as const;

const kernelMetrics: MetricDefinition[] = [
  {
    id: 'zfs.checksum.fletcher4_fastest.bytes_per_s',
    unit: 'B/s',
    direction: 'higher',
    noiseThreshold: 0.1,
    timing: 'kernel',
    resolution: { step: 1, floor: true },
    description: 'fletcher_4_bench: native throughput of the implementation ZFS chose',
  },
  {
    id: 'zfs.checksum.fletcher4_scalar.bytes_per_s',
    unit: 'B/s',
    direction: 'higher',
    noiseThreshold: 0.1,
    timing: 'kernel',
    resolution: { step: 1, floor: true },
    description: 'fletcher_4_bench: native throughput of the scalar implementation',
  },
  ...CHKSUM_ALGORITHMS.map(
    (algorithm): MetricDefinition => ({
      id: `zfs.checksum.${algorithm}_${CHKSUM_KSTAT_SIZE}.mib_per_s`,
      unit: 'MiB/s',
      direction: 'higher',
      noiseThreshold: 0.1,
      timing: 'kernel',
      resolution: KSTAT_MIB_STEP,
      description: `chksum_bench: ${algorithm} at ${CHKSUM_KSTAT_SIZE} blocks, fastest implementation (whole MiB/s)`,
    }),
  ),
];

const oneMiBMetrics: MetricDefinition[] = CHKSUM_ALGORITHMS.map((algorithm) => ({
  id: `zfs.checksum.${algorithm}_1m.mib_per_s`,
  unit: 'MiB/s',
  direction: 'higher',
  noiseThreshold: 0.1,
  timing: 'guest',
  // The difference of two timed regions: each one's tick, relative to the smaller difference.
  resolution: { relative: 1e-5 },
  description: `${algorithm} over 1 MiB records: data MiB / (guest-timed zpool scrub with checksum=${algorithm} - the same with checksum=off), recordsize=1M`,
}));

const endToEndMetrics: MetricDefinition[] = END_TO_END.map((checksum) => ({
  id: `zfs.checksum.write_${checksum}.mb_per_s`,
  unit: 'MB/s',
  direction: 'higher',
  timing: 'guest',
  resolution: TIMED_RESOLUTION,
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
    outcome[`zfs.checksum.${algorithm}_${CHKSUM_KSTAT_SIZE}.mib_per_s`] = bestChksumFigure(chksum, algorithm, CHKSUM_KSTAT_SIZE) ?? {
      failed: `chksum_bench did not measure ${algorithm} at ${CHKSUM_KSTAT_SIZE} (0 = not run in time)`,
    };
  return outcome;
}

/**
 * MiB/s of each algorithm from scrub times at 1 MiB records; an algorithm whose scrub was not
 * slower than the checksum=off one gets the reason instead of a number.
 */
export function oneMiBFigures(mib: number, seconds: Record<string, number>): Record<string, number | { failed: string }> {
  const base = seconds.off;
  const figures: Record<string, number | { failed: string }> = {};
  for (const algorithm of CHKSUM_ALGORITHMS) {
    const id = `zfs.checksum.${algorithm}_1m.mib_per_s`;
    const with_ = seconds[algorithm];
    if (base === undefined || with_ === undefined) figures[id] = { failed: `no scrub time for checksum=${base === undefined ? 'off' : algorithm}` };
    else if (!(with_ > base))
      figures[id] = { failed: `the checksum=${algorithm} scrub (${with_.toFixed(4)} s) was not slower than checksum=off (${base.toFixed(4)} s)` };
    else figures[id] = mib / (with_ - base);
  }
  return figures;
}

async function atOneMiB(ctx: WorkloadContext, pool: CreatedPool): Promise<IterationOutcome> {
  // The first verifyMiB of the data file: whole 1 MiB records, no second random file.
  const data = await ctx.scratch.randomData(ctx.sizes.writeMiB);
  const mib = Math.min(ctx.sizes.verifyMiB, ctx.sizes.writeMiB);
  const seconds: Record<string, number> = {};
  for (const checksum of ['off', ...CHKSUM_ALGORITHMS]) {
    const dataset = `${pool.name}/v_${checksum}`;
    await run(
      ctx.shell,
      `zfs create -o recordsize=1M -o checksum=${checksum} ${shellQuote(dataset)} && head -c ${mib}M ${shellQuote(data)} > ${shellQuote(`${ctx.scratch.pathOf(dataset)}/data`)} && zpool sync ${shellQuote(pool.name)}`,
    );
    seconds[checksum] = (await timeCommand(ctx, `zpool scrub -w ${shellQuote(pool.name)}`)).seconds;
    await run(ctx.shell, `zfs destroy ${shellQuote(dataset)} && zpool sync ${shellQuote(pool.name)}`);
  }
  return oneMiBFigures(mib, seconds);
}

async function endToEnd(ctx: WorkloadContext, pool: CreatedPool): Promise<IterationOutcome> {
  const data = await ctx.scratch.randomData(ctx.sizes.writeMiB);
  const outcome: IterationOutcome = {};
  for (const checksum of END_TO_END) {
    const dataset = `${pool.name}/${checksum}`;
    await run(ctx.shell, `zfs create -o checksum=${checksum} ${shellQuote(dataset)}`);
    const target = `${ctx.scratch.pathOf(dataset)}/data`;
    const timed = await timeCommand(ctx, `cat ${shellQuote(data)} > ${shellQuote(target)} && zpool sync ${shellQuote(pool.name)}`);
    const megabytes = (ctx.sizes.writeMiB * 1024 * 1024) / 1e6;
    outcome[`zfs.checksum.write_${checksum}.mb_per_s`] = megabytes / timed.seconds;
    await run(ctx.shell, `zfs destroy ${shellQuote(dataset)}`);
  }
  return outcome;
}

export const checksum: Workload = {
  id: 'checksum',
  title: 'Checksum throughput (in-kernel self-benchmarks and end-to-end writes)',
  schedule: 'iterated',
  requiresZfs: true,
  scratch: 'guest-ram',
  metrics: [...kernelMetrics, ...oneMiBMetrics, ...endToEndMetrics],
  async setup() {},
  async iteration(ctx) {
    // The module reload must happen while no pool is imported, so in-kernel figures come first.
    const kernel = await inKernel(ctx);
    const pool = await ctx.scratch.createPool(Math.max(256, ctx.sizes.writeMiB * 3));
    try {
      return { ...kernel, ...(await atOneMiB(ctx, pool)), ...(await endToEnd(ctx, pool)) };
    } finally {
      await ctx.scratch.destroyPool(pool.name);
    }
  },
  async teardown(ctx) {
    await ctx.scratch.destroyAll();
  },
};
