import { defineTarget } from './define.ts';

export default defineTarget({
  name: 'debian-arm64',
  os: 'debian',
  image: 'debian-arm64',
  defaultBackend: 'qemu',
  zfsTunablesFile: 'kernels/zfs-m-series-tuning.conf',
  note: "Debian 12 arm64 + OpenZFS 2.3; stock = linux-image-6.12-arm64 (4K pages), custom = the seed's M-series kernel (its Linux config fragment from the seed, on Linux 6.12, 16K pages). Cross-built here; TCG on x86_64 (ratios say nothing about Apple hardware), hvf on Apple silicon.",
});
