/** FreeBSD: built in a Lima VM on the qemu driver (vz cannot boot it), after fetching the release's /usr/src. */
import { defineRecipe, limaBuild } from '../recipe.ts';

// FreeBSD images ship without /usr/src; clone the matching release branch first.
const FREEBSD_SRC =
  '[ -f /usr/src/sys/arm64/conf/GENERIC ] || { pkg install -y git-lite && git clone --depth 1 --branch releng/$(freebsd-version -u | cut -d- -f1) https://git.freebsd.org/src.git /usr/src; }';

export default defineRecipe({
  os: 'freebsd',
  kind: 'lima',
  plan: (env) =>
    limaBuild(
      {
        os: 'freebsd',
        configFile: 'freebsd-m-series-kernel.conf',
        start: ['--vm-type=qemu', '--cpus=4', '--memory=8', 'template:freebsd'],
        prepare: [{ title: 'fetch /usr/src for this release if missing', sh: FREEBSD_SRC }],
      },
      env,
    ),
});
