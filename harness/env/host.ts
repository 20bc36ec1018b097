/**
 * The host half of the environment fingerprint. Parsing is pure (tested on recorded output);
 * collectHostFingerprint does the reading.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { execa } from 'execa';
import { emptyVersions, type VersionKey } from '../results/names.ts';
import type { Acceleration, HostFingerprint } from '../results/schema.ts';

/** `sysctl -n hw.model machdep.cpu.brand_string hw.perflevel0.physicalcpu hw.perflevel1.physicalcpu hw.memsize` on macOS. */
export function parseMacSysctl(text: string): { modelId: string; chip: string; performanceCores: number; efficiencyCores: number; memoryBytes: number } | null {
  const lines = text.split('\n').map((line) => line.trim());
  if (lines.length < 5) return null;
  const [modelId, chip, performance, efficiency, memory] = lines as [string, string, string, string, string];
  const performanceCores = Number.parseInt(performance, 10);
  const efficiencyCores = Number.parseInt(efficiency, 10);
  const memoryBytes = Number(memory);
  if (modelId === '' || !Number.isFinite(performanceCores) || !Number.isFinite(efficiencyCores) || !Number.isFinite(memoryBytes)) return null;
  return { modelId, chip, performanceCores, efficiencyCores, memoryBytes };
}

/** CPU model name from /proc/cpuinfo (x86 "model name", arm64 has none: "unknown"). */
export function parseCpuinfoModel(text: string): string {
  const match = /^model name\s*:\s*(.+)$/m.exec(text);
  return match?.[1]?.trim() ?? 'unknown';
}

/** Physical core count from /proc/cpuinfo ("core id" per "physical id"); falls back to logical count. */
export function parseCpuinfoPhysicalCores(text: string, logical: number): number {
  const cores = new Set<string>();
  for (const block of text.split(/\n\s*\n/)) {
    const physical = /^physical id\s*:\s*(\d+)/m.exec(block)?.[1];
    const core = /^core id\s*:\s*(\d+)/m.exec(block)?.[1];
    if (physical !== undefined && core !== undefined) cores.add(`${physical}:${core}`);
  }
  return cores.size > 0 ? cores.size : logical;
}

/** PRETTY_NAME from /etc/os-release. */
export function parseOsRelease(text: string): string | null {
  const match = /^PRETTY_NAME=(?:"([^"]*)"|(.*))$/m.exec(text);
  return match?.[1] ?? match?.[2] ?? null;
}

function readOr(file: string, fallback: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return fallback;
  }
}

export async function collectHostFingerprint(
  virt: { hypervisor: HostFingerprint['hypervisor']; acceleration: Acceleration } & Partial<Record<VersionKey, string | null>>,
): Promise<HostFingerprint> {
  const logicalCpus = os.cpus().length || 1;
  const base = {
    os: process.platform === 'darwin' ? 'macOS' : os.type(),
    arch: process.arch,
    logicalCpus,
    memoryBytes: os.totalmem(),
    loadAverage: process.platform === 'win32' ? null : (os.loadavg()[0] ?? null),
    ...emptyVersions(),
    ...virt,
  };
  if (process.platform === 'darwin') {
    const sysctl = await execa(
      'sysctl',
      ['-n', 'hw.model', 'machdep.cpu.brand_string', 'hw.perflevel0.physicalcpu', 'hw.perflevel1.physicalcpu', 'hw.memsize'],
      { reject: false },
    );
    const mac = parseMacSysctl(sysctl.stdout);
    const version = await execa('sw_vers', ['-productVersion'], { reject: false });
    return {
      ...base,
      osVersion: version.stdout.trim(),
      modelId: mac?.modelId ?? 'unknown',
      chip: mac?.chip ?? 'unknown',
      performanceCores: mac?.performanceCores ?? logicalCpus,
      efficiencyCores: mac?.efficiencyCores ?? 0,
      memoryBytes: mac?.memoryBytes ?? base.memoryBytes,
    };
  }
  const cpuinfo = readOr('/proc/cpuinfo', '');
  return {
    ...base,
    osVersion: `${parseOsRelease(readOr('/etc/os-release', '')) ?? os.release()} (kernel ${os.release()})`,
    modelId: readOr('/sys/class/dmi/id/product_name', 'unknown').trim() || 'unknown',
    chip: parseCpuinfoModel(cpuinfo),
    // Linux x86 hosts have no P/E split we can read reliably: all physical cores count as P.
    performanceCores: parseCpuinfoPhysicalCores(cpuinfo, logicalCpus),
    efficiencyCores: 0,
  };
}
