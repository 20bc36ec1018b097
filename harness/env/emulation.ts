/**
 * What an emulated run's numbers mean: under QEMU TCG every instruction is translated in
 * software, so time and throughput describe the emulator on this host, not the kernel on real
 * hardware; sizes, memory in use and page size are the kernel's own either way.
 */
import { normalizeMachine } from '../guest/common/facts.ts';
import { describeGuestClock, guestClockOf, type ResultsFile } from '../results/schema.ts';

export function emulationWarnings(label: string, results: Pick<ResultsFile, 'host' | 'targets'>): string[] {
  const host = results.host;
  if (host === null || host.acceleration !== 'qemu-tcg') return [];
  const hostArch = normalizeMachine(host.arch);
  const foreign = [
    ...new Set(results.targets.map((t) => t.guest.arch).filter((arch): arch is string => typeof arch === 'string' && normalizeMachine(arch) !== hostArch)),
  ];
  if (foreign.length > 0)
    return [
      `${label}: the ${foreign.join('/')} guests were emulated (QEMU TCG on an ${hostArch} host): time and throughput ratios describe the emulator, not ${foreign.join('/')} hardware, and say nothing about an Apple M-series Mac; kernel size, memory and page size are the kernels' own`,
    ];
  const clock = guestClockOf(host);
  if (clock.kind === 'icount')
    return [
      `${label}: the guests ran under QEMU TCG with an instruction-counting clock (${describeGuestClock(clock)}): guest times and throughputs count the instructions the kernel executed at that fixed virtual rate (code-path length, not hardware speed; host load cannot move them${clock.sleep === true ? ', except the time a guest waits for the host, such as a boot reading its disk' : ''}); boot.host_to_ssh is still the host's wall clock; kernel size, memory and page size are the kernels' own`,
    ];
  return [
    `${label}: the guests ran under QEMU TCG (software emulation, no KVM or hvf): time and throughput ratios describe emulated CPUs, not this host's hardware; kernel size, memory and page size are the kernels' own`,
  ];
}

/** One line on what the guest times of a run are, for tables, reports and claims. */
export function clockNote(results: Pick<ResultsFile, 'host'>): string | null {
  const clock = guestClockOf(results.host);
  return clock.kind === 'icount' ? `guest times: ${describeGuestClock(clock)} — instructions at a fixed virtual rate, not hardware speed` : null;
}
