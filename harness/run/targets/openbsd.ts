import { defineTarget } from './define.ts';

export default defineTarget({
  name: 'openbsd',
  os: 'openbsd',
  image: 'openbsd-autoinstall',
  defaultBackend: 'ssh',
  note: "OpenBSD has no ZFS: ZFS metrics are reported as unsupported; boot and memory are measured. A machine you installed, or --backend qemu: installed once by autoinstall(8) with kbench's key.",
});
