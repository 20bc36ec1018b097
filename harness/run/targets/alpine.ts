import { defineTarget } from './define.ts';

export default defineTarget({
  name: 'alpine',
  os: 'alpine',
  image: 'alpine-cloud',
  defaultBackend: 'lima',
  note: 'Alpine 3.23 with the M-series kernel of kernels/alpine-m-series.config; Lima templates in lima/ (custom kernel from KBENCH_LIMA_KERNEL, its modules from KBENCH_LIMA_MODULES).',
});
