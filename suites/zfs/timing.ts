/**
 * Times a guest command. With a fine guest clock the interval is measured inside the guest (no SSH
 * latency in it); otherwise on the host, minus the measured SSH round trip.
 */
import type { TimingSource } from '../../harness/results/schema.ts';
import type { WorkloadContext } from '../types.ts';
import { GuestCommandError } from './scratch.ts';

export interface Timed {
  seconds: number;
  stdout: string;
  timing: TimingSource;
}

const MARK = '__kbench_clock__';

/** Parses the clock line the wrapper prints after the command's own output (the last one). */
export function parseClockLines(stdout: string): { seconds: number; stdout: string } | null {
  const at = stdout.lastIndexOf(`${MARK} `);
  if (at < 0) return null;
  const fields = stdout
    .slice(at + MARK.length + 1)
    .trim()
    .split(/\s+/);
  const start = Number(fields[0]);
  const end = Number(fields[1]);
  if (fields.length !== 2 || !Number.isFinite(start) || !Number.isFinite(end) || end < start) return null;
  return { seconds: end - start, stdout: stdout.slice(0, at) };
}

export async function timeCommand(ctx: WorkloadContext, command: string, timeoutMs = 3_600_000): Promise<Timed> {
  const clock = ctx.guest.monotonicClockCommand();
  const quiesce = ctx.guest.quiesceCommand();
  if (quiesce !== null && clock === null) await ctx.shell.exec(quiesce, { timeoutMs: 120_000 });
  if (clock !== null) {
    const wrapped = `${quiesce === null ? '' : `${quiesce}; `}__t0=$(${clock}); ${command}\n__rc=$?; __t1=$(${clock}); echo "${MARK} $__t0 $__t1"; exit $__rc`;
    const result = await ctx.shell.exec(wrapped, { timeoutMs });
    if (result.code !== 0) throw new GuestCommandError(command, result.code, result.stderr || result.stdout);
    const parsed = parseClockLines(result.stdout);
    if (parsed === null) throw new Error(`guest clock output not understood after: ${command.slice(0, 80)}`);
    return { ...parsed, timing: 'guest' };
  }
  const result = await ctx.shell.exec(command, { timeoutMs });
  if (result.code !== 0) throw new GuestCommandError(command, result.code, result.stderr || result.stdout);
  const seconds = Math.max(0, (result.durationMs - ctx.roundTripMs) / 1000);
  return { seconds, stdout: result.stdout, timing: 'host-minus-rtt' };
}

/** Every clock line of a repeated region, in order (parseClockLines reads only the last). */
export function parseAllClockLines(stdout: string): number[] | null {
  const seconds: number[] = [];
  for (const line of stdout.split('\n')) {
    if (!line.startsWith(`${MARK} `)) continue;
    const parsed = parseClockLines(line);
    if (parsed === null) return null;
    seconds.push(parsed.seconds);
  }
  return seconds.length > 0 ? seconds : null;
}

/**
 * Times `command` `count` times in ONE guest command, running `between` (untimed) after each;
 * for operations too short to pay an SSH round trip per timing. Needs a guest clock: a host-side
 * timing of a batch would fold every `between` into the measurement.
 */
export async function timeRepeated(ctx: WorkloadContext, command: string, between: string, count: number, timeoutMs = 3_600_000): Promise<number[]> {
  const clock = ctx.guest.monotonicClockCommand();
  if (clock === null) {
    const seconds: number[] = [];
    for (let i = 0; i < count; i++) {
      seconds.push((await timeCommand(ctx, command, timeoutMs)).seconds);
      const after = await ctx.shell.exec(between, { timeoutMs });
      if (after.code !== 0) throw new GuestCommandError(between, after.code, after.stderr || after.stdout);
    }
    return seconds;
  }
  const quiesce = ctx.guest.quiesceCommand();
  const once = `${quiesce === null ? '' : `${quiesce}; `}__t0=$(${clock}); ${command}\n__rc=$?; __t1=$(${clock}); [ $__rc -eq 0 ] || exit $__rc; echo "${MARK} $__t0 $__t1"; ${between} || exit $?`;
  const script = `__i=0; while [ $__i -lt ${count} ]; do __i=$((__i + 1)); ${once}\ndone`;
  const result = await ctx.shell.exec(script, { timeoutMs });
  if (result.code !== 0) throw new GuestCommandError(command, result.code, result.stderr || result.stdout);
  const seconds = parseAllClockLines(result.stdout);
  if (seconds === null || seconds.length !== count) throw new Error(`guest clock output not understood after ${count} × ${command.slice(0, 80)}`);
  return seconds;
}
