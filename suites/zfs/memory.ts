/** Memory in use once boot has finished (total - available), before any workload has run. */
import type { Workload } from '../types.ts';

export const memory: Workload = {
  id: 'memory',
  title: 'Memory in use after boot',
  schedule: 'per-boot',
  requiresZfs: false,
  scratch: null,
  metrics: [
    // A 3% band, not the suite's 5%: a kernel's footprint moving by 6 MB in 200 is worth a verdict,
    // and 3% is above what an identical kernel drifted by between two runs on the testbed (A/A:
    // +0.6% stock, -2.8% custom; boot-to-boot CV 1.9-3.4%, baseline.json). kbench calibrate raises
    // it where a machine drifts more.
    {
      id: 'memory.used_after_boot.bytes',
      unit: 'B',
      direction: 'lower',
      noiseThreshold: 0.03,
      timing: 'guest',
      resolution: { step: 1024 },
      description: 'MemTotal - MemAvailable once boot has finished (systemd-analyze answered), before any workload',
    },
  ],
  async setup() {},
  async iteration(ctx) {
    return { 'memory.used_after_boot.bytes': await ctx.guest.memoryInUseBytes(ctx.shell) };
  },
  async teardown() {},
};
