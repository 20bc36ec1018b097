/** Memory in use right after boot (total - available), before any workload has run. */
import type { Workload } from '../types.ts';

export const memory: Workload = {
  id: 'memory',
  title: 'Memory in use after boot',
  schedule: 'per-boot',
  requiresZfs: false,
  metrics: [
    { id: 'memory.used_after_boot.bytes', unit: 'B', direction: 'lower', timing: 'guest', description: 'MemTotal - MemAvailable at first login' },
  ],
  async setup() {},
  async iteration(ctx) {
    return { 'memory.used_after_boot.bytes': await ctx.guest.memoryInUseBytes(ctx.shell) };
  },
  async teardown() {},
};
