/** NetBSD: Lima cannot boot it, so it is built on a guest you booted (KBENCH_NETBSD_SSH=user@host[:port]). */
import { defineRecipe, sshBuild } from '../recipe.ts';

export default defineRecipe({
  os: 'netbsd',
  kind: 'ssh',
  plan: (env) => sshBuild({ os: 'netbsd', configFile: 'netbsd-m-series-kernel.conf' }, env),
});
