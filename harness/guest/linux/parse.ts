/** Pure parsers for Linux guest output (Debian testbed, Alpine). */
import { err, ok, type Result } from '../../errors/index.ts';
import type { BootBreakdown } from '../types.ts';

export interface Meminfo {
  totalBytes: number;
  availableBytes: number;
}

/** /proc/meminfo: `MemTotal:  2026848 kB`; in use = MemTotal - MemAvailable. */
export function parseMeminfo(text: string): Result<Meminfo> {
  const kib = new Map<string, number>();
  for (const line of text.split(/\r?\n/)) {
    const match = /^([A-Za-z0-9_()]+):\s+([0-9]+)(?:\s+kB)?\s*$/.exec(line);
    if (match) kib.set(match[1]!, Number(match[2]));
  }
  const total = kib.get('MemTotal');
  const available = kib.get('MemAvailable');
  if (total === undefined) return err('no MemTotal line');
  if (available === undefined) return err('no MemAvailable line (kernel older than 3.14?)');
  if (total === 0) return err('MemTotal is 0');
  if (available > total) return err(`MemAvailable ${available} kB exceeds MemTotal ${total} kB`);
  return ok({ totalBytes: total * 1024, availableBytes: available * 1024 });
}

/** /proc/uptime: `19.76 31.02` (seconds since boot, idle seconds summed over CPUs). */
export function parseProcUptime(text: string): Result<number> {
  const match = /^([0-9]+(?:\.[0-9]+)?)\s+[0-9]+(?:\.[0-9]+)?\s*$/.exec(text.trim());
  if (!match) return err(`expected "<uptime> <idle>", got ${JSON.stringify(text.trim())}`);
  return ok(Number(match[1]));
}

/**
 * The kernel's own timestamp (printk time, seconds since it started) of the line it prints just
 * before it runs init: `[    2.278636] Freeing unused kernel image (initmem) memory: 2612K`
 * (init/main.c kernel_init -> free_initmem). Everything before it ran from RAM (kernel and
 * initramfs were loaded by the boot loader), so no disk wait is in it.
 */
const HANDOVER_LINE = /^\[\s*([0-9]+\.[0-9]+)\]\s+Freeing unused kernel image \(initmem\) memory:/m;

export function parseKernelHandoverSeconds(dmesg: string): Result<number> {
  const match = HANDOVER_LINE.exec(dmesg);
  if (match) return ok(Number(match[1]));
  if (!/^\[\s*[0-9]+\.[0-9]+\]/m.test(dmesg)) return err('the kernel log has no timestamps (printk.time=0 or CONFIG_PRINTK_TIME unset)');
  return err('the kernel log no longer holds "Freeing unused kernel image (initmem)" (ring buffer overwritten since boot)');
}

const TIMESPAN_UNITS: Record<string, number> = {
  y: 31_557_600,
  month: 2_629_800,
  w: 604_800,
  d: 86_400,
  h: 3_600,
  min: 60,
  s: 1,
  ms: 1e-3,
  us: 1e-6,
  µs: 1e-6,
  μs: 1e-6,
};

/** systemd's format_timespan output: `16.470s`, `981ms`, `1min 2.345s`, `1h 2min 3.456s`. */
export function parseSystemdTimespan(text: string): Result<number> {
  const parts = text.trim().split(/\s+/);
  if (parts.length === 0 || parts[0] === '') return err('empty time span');
  let seconds = 0;
  for (const part of parts) {
    const match = /^([0-9]+(?:\.[0-9]+)?)([a-zµμ]+)$/.exec(part);
    const unit = match ? TIMESPAN_UNITS[match[2]!] : undefined;
    if (!match || unit === undefined) return err(`unknown time span part ${JSON.stringify(part)}`);
    seconds += Number(match[1]) * unit;
  }
  return ok(seconds);
}

export type SystemdAnalyze = { kind: 'finished'; breakdown: BootBreakdown } | { kind: 'not-finished' };

const BOOT_PHASES = ['firmware', 'loader', 'kernel', 'initrd', 'userspace'] as const;

/**
 * `systemd-analyze` (stdout and stderr together):
 * `Startup finished in 1.2s (firmware) + 3ms (loader) + 5.481s (kernel) + 2s (initrd) + 10.989s (userspace) = 16.470s`,
 * or `Bootup is not yet finished …` while units are still starting.
 */
export function parseSystemdAnalyze(text: string): Result<SystemdAnalyze> {
  if (/Bootup is not yet finished/.test(text)) return ok({ kind: 'not-finished' });
  const line = text.split(/\r?\n/).find((candidate) => candidate.startsWith('Startup finished in '));
  if (!line) return err(`no "Startup finished in" line in ${JSON.stringify(text.trim())}`);
  const match = /^Startup finished in (.+) = (.+?)\s*$/.exec(line);
  if (!match) return err(`no total in ${JSON.stringify(line)}`);
  const phases = new Map<string, number>();
  for (const part of match[1]!.split(' + ')) {
    const phase = /^(.+) \(([a-z]+)\)$/.exec(part.trim());
    if (!phase) return err(`cannot read the phase ${JSON.stringify(part)}`);
    const name = phase[2]!;
    if (!(BOOT_PHASES as readonly string[]).includes(name)) return err(`unknown boot phase ${JSON.stringify(name)}`);
    if (phases.has(name)) return err(`boot phase ${name} appears twice`);
    const seconds = parseSystemdTimespan(phase[1]!);
    if (!seconds.ok) return seconds;
    phases.set(name, seconds.value);
  }
  const total = parseSystemdTimespan(match[2]!);
  if (!total.ok) return total;
  const kernel = phases.get('kernel');
  const userspace = phases.get('userspace');
  if (kernel === undefined) return err('no (kernel) phase');
  if (userspace === undefined) return err('no (userspace) phase');
  const sum = [...phases.values()].reduce((a, b) => a + b, 0);
  // Each phase is rounded for display; the parts must still add up to the total.
  if (Math.abs(sum - total.value) > 0.01 * total.value + 0.01) return err(`phases add up to ${sum.toFixed(3)} s but the total is ${total.value} s`);
  return ok({
    kind: 'finished',
    breakdown: {
      firmwareSeconds: phases.get('firmware') ?? null,
      loaderSeconds: phases.get('loader') ?? null,
      kernelSeconds: kernel,
      initrdSeconds: phases.get('initrd') ?? null,
      userspaceSeconds: userspace,
      totalSeconds: total.value,
    },
  });
}

/** `losetup -f --show FILE`: the loop device it attached, `/dev/loop3`. */
export function parseLosetupShow(text: string): Result<string> {
  const device = text.trim();
  if (!/^\/dev\/loop[0-9]+$/.test(device)) return err(`expected /dev/loopN, got ${JSON.stringify(device)}`);
  return ok(device);
}

/** `date +%s.%N`: seconds with nanoseconds (busybox without FEATURE_DATE_NANO prints a literal N). */
export function parseDateSecondsNanos(text: string): Result<number> {
  const trimmed = text.trim();
  if (!/^[0-9]+\.[0-9]{9}$/.test(trimmed)) return err(`expected <seconds>.<9 digits>, got ${JSON.stringify(trimmed)}`);
  return ok(Number(trimmed));
}
