/**
 * Boot time, measured on every boot: on the host (VM process start -> first SSH command), and in
 * the guest (uptime at first login; the kernel/userspace split where systemd reports it).
 */
import type { IterationOutcome, Workload } from '../types.ts';

export const boot: Workload = {
  id: 'boot',
  title: 'Boot time',
  schedule: 'per-boot',
  requiresZfs: false,
  scratch: null,
  metrics: [
    {
      id: 'boot.host_to_ssh.seconds',
      unit: 's',
      direction: 'lower',
      timing: 'host',
      resolution: { step: 0.01 },
      description: 'VM process start until the first SSH command answered',
    },
    {
      id: 'boot.guest_uptime.seconds',
      unit: 's',
      direction: 'lower',
      timing: 'guest',
      resolution: { step: 0.01 },
      description: 'guest uptime read at first login',
    },
    {
      id: 'boot.kernel.seconds',
      unit: 's',
      direction: 'lower',
      timing: 'guest',
      resolution: { step: 0.001 },
      description: 'kernel part of boot (systemd-analyze)',
    },
    {
      id: 'boot.userspace.seconds',
      unit: 's',
      direction: 'lower',
      timing: 'guest',
      resolution: { step: 0.001 },
      description: 'userspace part of boot (systemd-analyze)',
    },
    {
      id: 'boot.kernel_to_init.seconds',
      unit: 's',
      direction: 'lower',
      timing: 'guest',
      resolution: { step: 0.000001 },
      description:
        'kernel start until it runs init, by its own log clock: kernel and initramfs in RAM, no disk wait (the part of boot an instruction-counting clock can judge)',
    },
  ],
  async setup() {},
  async iteration(ctx) {
    const outcome: IterationOutcome = {
      'boot.host_to_ssh.seconds': ctx.boot.hostBootSeconds ?? { failed: 'not booted by kbench (ssh backend)' },
      'boot.guest_uptime.seconds': await ctx.guest.uptimeSeconds(ctx.shell),
    };
    // Only systemd reports the split; elsewhere (OpenRC, BSD init, containers) it fails alone.
    const breakdown = await ctx.guest.bootBreakdown(ctx.shell).catch((error: Error) => error);
    const missing = { failed: breakdown instanceof Error ? breakdown.message : 'the guest does not report a kernel/userspace split' };
    const split = breakdown instanceof Error ? null : breakdown;
    outcome['boot.kernel.seconds'] = split?.kernelSeconds ?? missing;
    outcome['boot.userspace.seconds'] = split?.userspaceSeconds ?? missing;
    const handover = await ctx.guest.kernelHandoverSeconds(ctx.shell).catch((error: Error) => error);
    outcome['boot.kernel_to_init.seconds'] =
      handover instanceof Error ? { failed: handover.message } : (handover ?? { failed: 'the guest kernel does not timestamp its log' });
    return outcome;
  },
  async teardown() {},
};
