/** OpenBSD: Lima cannot boot it, so it is built on a guest you booted (KBENCH_OPENBSD_SSH=user@host[:port]). */
import { defineRecipe, sshBuild } from '../recipe.ts';

export default defineRecipe({
  os: 'openbsd',
  kind: 'ssh',
  plan: (env) => sshBuild({ os: 'openbsd', configFile: 'openbsd-m-series-kernel.conf' }, env),
});
