/**
 * What an emulated run's numbers mean: under QEMU TCG every instruction is translated in
 * software, so time and throughput describe the emulator on this host, not the kernel on real
 * hardware; sizes, memory in use and page size are the kernel's own either way.
 */
import { normalizeMachine } from '../guest/common/facts.ts';
import type { ResultsFile } from '../results/schema.ts';

export function emulationWarnings(label: string, results: Pick<ResultsFile, 'host' | 'targets'>): string[] {
  const host = results.host;
  if (host === null || host.acceleration !== 'qemu-tcg') return [];
  const hostArch = normalizeMachine(host.arch);
  const foreign = [...new Set(results.targets.map((t) => t.guest.arch).filter((arch): arch is string => typeof arch === 'string' && normalizeMachine(arch) !== hostArch))];
  if (foreign.length > 0)
    return [
      `${label}: the ${foreign.join('/')} guests were emulated (QEMU TCG on an ${hostArch} host): time and throughput ratios describe the emulator, not ${foreign.join('/')} hardware, and say nothing about an Apple M-series Mac; kernel size, memory and page size are the kernels' own`,
    ];
  return [`${label}: the guests ran under QEMU TCG (software emulation, no KVM or hvf): time and throughput ratios describe emulated CPUs, not this host's hardware; kernel size, memory and page size are the kernels' own`];
}
