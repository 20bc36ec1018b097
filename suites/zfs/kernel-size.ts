/** Bytes of the booted kernel image (the seed claims 12 MB -> 8 MB). */
import type { Workload } from '../types.ts';

export const kernelSize: Workload = {
  id: 'kernel_size',
  title: 'Kernel image size',
  schedule: 'per-boot',
  requiresZfs: false,
  scratch: null,
  metrics: [
    {
      id: 'kernel.image.bytes',
      unit: 'B',
      direction: 'lower',
      noiseThreshold: 0.01,
      exact: true,
      timing: 'host',
      resolution: { step: 1 },
      description: 'size of the booted kernel image file',
    },
  ],
  async setup() {},
  async iteration(ctx) {
    return { 'kernel.image.bytes': ctx.boot.kernelImageBytes ?? { failed: 'the booted kernel image could not be found' } };
  },
  async teardown() {},
};
