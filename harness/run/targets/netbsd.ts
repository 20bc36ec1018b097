import { defineTarget } from './define.ts';

export default defineTarget({
  name: 'netbsd',
  os: 'netbsd',
  image: 'netbsd-official',
  defaultBackend: 'ssh',
  note: "NetBSD 10 with ZFS as modules; a machine you booted, or --backend qemu: the official arm64 image with kbench's key in creds.txt (Lima cannot boot it).",
});
