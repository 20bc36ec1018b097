/**
 * Results from different machines or kernels are not comparable: a faster chip is not a faster
 * kernel. These are the fields that must agree before a run is compared with a baseline.
 */
import { describeGuestClock, guestClockOf, type ResultsFile } from '../results/schema.ts';

export interface FingerprintDifference {
  field: string;
  baseline: string;
  run: string;
}

const HOST_FIELDS = ['arch', 'modelId', 'chip', 'hypervisor', 'acceleration'] as const;
const GUEST_FIELDS = ['os', 'kernelVariant', 'kernelRelease', 'kernelConfigSha256', 'vcpus', 'memoryBytes'] as const;

export function fingerprintDifferences(run: ResultsFile, baseline: ResultsFile): FingerprintDifference[] {
  const differences: FingerprintDifference[] = [];
  if (run.host !== null && baseline.host !== null) {
    for (const field of HOST_FIELDS) {
      const a = String(baseline.host[field]);
      const b = String(run.host[field]);
      if (a !== b) differences.push({ field: `host.${field}`, baseline: a, run: b });
    }
    const clocks = { baseline: describeGuestClock(guestClockOf(baseline.host)), run: describeGuestClock(guestClockOf(run.host)) };
    if (clocks.baseline !== clocks.run) differences.push({ field: 'host.guestClock', ...clocks });
  }
  const baselineTargets = new Map(baseline.targets.map((target) => [target.id, target]));
  for (const target of run.targets) {
    const other = baselineTargets.get(target.id);
    if (other === undefined) continue;
    for (const field of GUEST_FIELDS) {
      const a = String(other.guest[field]);
      const b = String(target.guest[field]);
      if (a !== b) differences.push({ field: `${target.id}.guest.${field}`, baseline: a, run: b });
    }
  }
  return differences;
}

export function describeDifferences(differences: FingerprintDifference[]): string {
  return differences.map((d) => `${d.field} ${JSON.stringify(d.baseline)} vs ${JSON.stringify(d.run)}`).join('; ');
}

/**
 * Guest times on different clocks are different quantities (host seconds vs counted
 * instructions): no flag makes them comparable. Null when both files ran on the same clock.
 */
export function clockMismatch(run: ResultsFile, baseline: ResultsFile, runFile: string, baselineFile: string): string | null {
  const a = describeGuestClock(guestClockOf(baseline.host));
  const b = describeGuestClock(guestClockOf(run.host));
  if (a === b) return null;
  return `${runFile}: field host.guestClock: ${JSON.stringify(b)}, but ${baselineFile} ran on ${JSON.stringify(a)}: times on different guest clocks are never compared (re-measure the baseline on this clock)`;
}
