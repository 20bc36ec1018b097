/**
 * /proc/stat's aggregate "cpu" line (proc(5)), read on a Linux guest for its steal time and on a
 * Linux host for its load (harness/env/load.ts): one pure parser for both.
 */
export interface CpuTicks {
  /** All ticks of all CPUs. */
  total: number;
  idle: number;
  steal: number;
}

/** The aggregate "cpu" line of /proc/stat (proc(5)): user nice system idle iowait irq softirq steal guest guest_nice. */
export function parseProcStat(text: string): CpuTicks | null {
  const line = text.split('\n').find((l) => l.startsWith('cpu '));
  if (line === undefined) return null;
  const fields = line.trim().split(/\s+/).slice(1).map(Number);
  if (fields.length < 4 || fields.some((f) => !Number.isFinite(f))) return null;
  // guest and guest_nice are already counted in user and nice.
  const counted = fields.slice(0, 8);
  const total = counted.reduce((a, b) => a + b, 0);
  return { total, idle: (fields[3] ?? 0) + (fields[4] ?? 0), steal: fields[7] ?? 0 };
}
