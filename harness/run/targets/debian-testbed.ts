import { defineTarget } from './define.ts';

export default defineTarget({
  name: 'debian-testbed',
  os: 'debian',
  image: 'debian-testbed',
  defaultBackend: 'qemu',
  zfsTunablesFile: 'kernels/zfs-m-series-tuning.conf',
  note: 'Debian 12 + OpenZFS 2.3 (bookworm-backports); stock = linux-image-amd64, custom = linux-image-cloud-amd64. Built locally, runs anywhere QEMU runs on amd64.',
});
