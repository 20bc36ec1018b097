/**
 * The conditions a run was measured under, as the report's conditions panel shows them: guest
 * clock, accelerator, host load per kernel, QEMU and kernel versions, what was emulated, and in
 * one line where the two sides' fingerprints differ. Pure.
 */
import { conditionDifferences, fingerprintDifferences, sideConditions } from '../compare/index.ts';
import { normalizeMachine } from '../guest/common/facts.ts';
import { describeGuestClock, guestClockOf, type GuestFingerprint, type HostLoadSample, type ResultsFile, type Target } from '../results/schema.ts';
import { median } from '../stats/index.ts';

export interface RunConditions {
  /** "" for a single run, "#1" … for several, "baseline". */
  label: string;
  runId: string;
  facts: [string, string][];
  /** One line per pair of sides whose fingerprints differ: "debian stock vs custom: kernel …". */
  differences: string[];
}

const percent = (fraction: number): string => `${Number((fraction * 100).toPrecision(2))}%`;

/** "load 1.02-1.72 (median 1.05), others 1-9.5% CPU, steal ≤1.4%, 3 boots". */
export function describeLoad(samples: readonly HostLoadSample[]): string {
  const loads = samples.map((s) => s.loadAverage);
  const parts = [`load ${Math.min(...loads).toFixed(2)}-${Math.max(...loads).toFixed(2)} (median ${median(loads).toFixed(2)})`];
  const others = samples.flatMap((s) => (s.otherBusyFraction === null ? [] : [s.otherBusyFraction]));
  if (others.length > 0) parts.push(`other processes ${percent(Math.min(...others))}-${percent(Math.max(...others))} of the CPU`);
  const steal = samples.flatMap((s) => (s.stealFraction === null ? [] : [s.stealFraction]));
  if (steal.length > 0) parts.push(`steal at most ${percent(Math.max(...steal))}`);
  const guestSteal = samples.flatMap((s) => (s.guestStealFraction == null ? [] : [s.guestStealFraction]));
  if (guestSteal.length > 0) parts.push(`guest steal at most ${percent(Math.max(...guestSteal))}`);
  const mhz = samples.flatMap((s) => (s.cpuMhz == null ? [] : [Math.round(s.cpuMhz)]));
  if (mhz.length > 0) parts.push(`host CPU ${Math.min(...mhz) === Math.max(...mhz) ? mhz[0] : `${Math.min(...mhz)}-${Math.max(...mhz)}`} MHz`);
  parts.push(`${samples.length} boot${samples.length === 1 ? '' : 's'}`);
  return parts.join(', ');
}

function emulated(run: ResultsFile): string {
  const host = run.host;
  if (host === null) return 'not recorded';
  const arches = [...new Set(run.targets.map((t) => t.guest.arch).filter((a): a is string => typeof a === 'string'))];
  const hostArch = normalizeMachine(host.arch);
  const guests = arches.length === 0 ? 'the guests' : `${arches.join('/')} guests`;
  if (host.acceleration !== 'qemu-tcg') return `nothing: ${guests} on ${host.acceleration} (hardware virtualisation)`;
  const foreign = arches.filter((a) => normalizeMachine(a) !== hostArch);
  return foreign.length > 0
    ? `the whole ${foreign.join('/')} machine: ${guests} under QEMU TCG on an ${hostArch} host (another architecture)`
    : `the CPU: ${guests} under QEMU TCG on an ${hostArch} host (same architecture, no KVM)`;
}

const GIB = 1024 ** 3;

/** Where two guests differ, as "field a → b" parts; tunables and pool properties by name. */
export function guestDifferences(a: GuestFingerprint, b: GuestFingerprint): string[] {
  const parts: string[] = [];
  const field = (name: string, x: unknown, y: unknown) => {
    if (String(x) !== String(y)) parts.push(`${name} ${String(x)} → ${String(y)}`);
  };
  field('kernel', a.kernelRelease, b.kernelRelease);
  if (a.kernelConfigSha256 !== b.kernelConfigSha256) parts.push('kernel config');
  field('page size', a.pageSizeBytes ?? 'n/a', b.pageSizeBytes ?? 'n/a');
  field('ZFS', a.zfsVersion ?? 'absent', b.zfsVersion ?? 'absent');
  field('vCPUs', a.vcpus, b.vcpus);
  const memory = (bytes: number) => `${(bytes / GIB).toFixed(2)} GiB`;
  if (memory(a.memoryBytes) !== memory(b.memoryBytes)) parts.push(`memory ${memory(a.memoryBytes)} → ${memory(b.memoryBytes)}`);
  for (const [name, x, y] of [
    ['ZFS tunables', a.zfsTunables, b.zfsTunables],
    ['pool properties', a.poolProperties, b.poolProperties],
    ['ZFS implementations', a.zfsImplementations, b.zfsImplementations],
  ] as const) {
    const keys = [...new Set([...Object.keys(x), ...Object.keys(y)])].filter((k) => x[k] !== y[k]).sort();
    if (keys.length > 0) parts.push(`${name} ${keys.join(', ')}`);
  }
  return parts;
}

function sideDifferences(run: ResultsFile): string[] {
  const byOs = new Map<string, { stock?: Target; custom?: Target }>();
  for (const target of run.targets) byOs.set(target.guest.os, { ...byOs.get(target.guest.os), [target.guest.kernelVariant]: target });
  return [...byOs].flatMap(([os, { stock, custom }]) => {
    if (stock === undefined || custom === undefined) return [];
    const parts = guestDifferences(stock.guest, custom.guest);
    // What the two kernels' boots met on the host (CONDITIONS COMPARED, compare/conditions.ts).
    const conditions = conditionDifferences(sideConditions(run, 'stock', 'stock'), sideConditions(run, 'custom', 'custom'));
    return [
      parts.length === 0 ? `${os} stock vs custom: identical fingerprints` : `${os} stock vs custom: ${parts.join('; ')}`,
      ...(conditions.length === 0 ? [] : [`${os} stock vs custom: conditions differ: ${conditions.join('; ')}`]),
    ];
  });
}

export function runConditions(run: ResultsFile, label: string, baseline: ResultsFile | null): RunConditions {
  const host = run.host;
  const facts: [string, string][] = [];
  facts.push(['Guest clock', describeGuestClock(guestClockOf(host))]);
  facts.push(['Accelerator', host === null ? 'not recorded' : `${host.hypervisor} (${host.acceleration})`]);
  facts.push(['Emulated', emulated(run)]);
  for (const variant of ['stock', 'custom'] as const) {
    const samples = (run.hostLoad ?? []).filter((s) => s.variant === variant);
    if (run.targets.some((t) => t.guest.kernelVariant === variant))
      facts.push([`Host load, ${variant}`, samples.length === 0 ? 'not recorded' : describeLoad(samples)]);
  }
  if (host !== null) {
    facts.push(['QEMU', host.qemuVersion ?? 'n/a']);
    if (host.limaVersion !== null) facts.push(['Lima', host.limaVersion]);
    facts.push(['Host', `${host.chip}, ${host.os} ${host.osVersion}`.trim()]);
  }
  for (const target of [...run.targets].sort((a, b) => a.id.localeCompare(b.id)))
    facts.push([`Kernel, ${target.id}`, `${target.guest.kernelRelease}${target.guest.arch ? ` (${target.guest.arch})` : ''}`]);
  const differences = sideDifferences(run);
  if (baseline !== null) {
    const vsBaseline = fingerprintDifferences(run, baseline);
    if (vsBaseline.length > 0) differences.push(`run vs baseline: ${vsBaseline.map((d) => `${d.field} ${d.baseline} → ${d.run}`).join('; ')}`);
    for (const variant of ['stock', 'custom'] as const) {
      if (!run.targets.some((t) => t.guest.kernelVariant === variant)) continue;
      const conditions = conditionDifferences(sideConditions(baseline, variant, 'baseline'), sideConditions(run, variant, 'run'));
      if (conditions.length > 0) differences.push(`${variant} run vs baseline: conditions differ: ${conditions.join('; ')}`);
    }
  }
  return { label, runId: run.runId, facts, differences };
}
