/**
 * The host CPUs' clock frequency, a condition of every timing: a host whose CPUs ran slower
 * (power saving, thermal limits, another machine type) makes every number slower. Parsing is
 * pure; readHostCpuMhz does the reading. No dependencies: `kbench compare` loads it cheaply.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';

/** Every "cpu MHz" of /proc/cpuinfo (x86; arm64 kernels print none). */
export function parseCpuinfoMhz(text: string): number[] {
  return [...text.matchAll(/^cpu MHz\s*:\s*([0-9.]+)\s*$/gm)].map((m) => Number(m[1])).filter((mhz) => Number.isFinite(mhz) && mhz > 0);
}

/** One /sys/devices/system/cpu/cpuN/cpufreq/scaling_cur_freq file: kHz, as MHz; null when unreadable. */
export function parseScalingCurFreq(text: string): number | null {
  const khz = Number(text.trim());
  return /^[0-9]+$/.test(text.trim()) && khz > 0 ? khz / 1000 : null;
}

/** Mean of the frequencies, rounded to 1 MHz; null when there are none. */
export function meanMhz(values: readonly number[]): number | null {
  return values.length === 0 ? null : Math.round(values.reduce((a, b) => a + b, 0) / values.length);
}

/**
 * The host CPUs' mean current frequency in MHz, or null (macOS has neither file, nor do some Linux VMs).
 * cpufreq's scaling_cur_freq where the kernel has a cpufreq driver (what the CPU runs at now);
 * else /proc/cpuinfo "cpu MHz" (on most cloud VMs the nominal clock, constant).
 */
export function readHostCpuMhz(logicalCpus: number = os.cpus().length, read: (file: string) => string | null = readOrNull): number | null {
  const scaling: number[] = [];
  for (let cpu = 0; cpu < logicalCpus; cpu++) {
    const text = read(`/sys/devices/system/cpu/cpu${cpu}/cpufreq/scaling_cur_freq`);
    const mhz = text === null ? null : parseScalingCurFreq(text);
    if (mhz !== null) scaling.push(mhz);
  }
  if (scaling.length > 0) return meanMhz(scaling);
  const cpuinfo = read('/proc/cpuinfo');
  return cpuinfo === null ? null : meanMhz(parseCpuinfoMhz(cpuinfo));
}

function readOrNull(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}
