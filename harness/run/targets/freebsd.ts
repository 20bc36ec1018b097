import { defineTarget } from './define.ts';

export default defineTarget({
  name: 'freebsd',
  os: 'freebsd',
  image: 'freebsd-cloudinit',
  defaultBackend: 'lima',
  note: 'FreeBSD 15.1 on UFS with OpenZFS in base; custom kernel from kernels/freebsd-m-series-kernel.conf via nextboot -k (KBENCH_LIMA_FREEBSD_KERNEL).',
});
