import { defineTarget } from './define.ts';

export default defineTarget({
  name: 'netbsd',
  os: 'netbsd',
  image: 'netbsd-official',
  defaultBackend: 'ssh',
  note: 'NetBSD 10 with ZFS as modules; a machine you booted (Lima cannot boot it, qemu cannot provision its image yet).',
});
