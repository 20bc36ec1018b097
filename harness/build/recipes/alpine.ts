/** Alpine: built in a Lima vz VM from template:alpine, which installs no ZFS (the build reads the zfs package's version). */
import { defineRecipe, limaBuild } from '../recipe.ts';

// Lima's vz guests booted from a kernel image may have no RTC: apk over https fails until the clock is set.
const ALPINE_ZFS =
  'i=0; while [ "$(date +%Y)" -lt 2025 ] && [ $i -lt 120 ]; do sleep 1; i=$((i+1)); done; apk info -e zfs >/dev/null || apk add --no-cache zfs';

export default defineRecipe({
  os: 'alpine',
  kind: 'lima',
  plan: (env) =>
    limaBuild(
      {
        os: 'alpine',
        configFile: 'alpine-m-series.config',
        start: ['--cpus=4', '--memory=8', 'template:alpine'],
        prepare: [{ title: 'install the zfs package (its version = the OpenZFS the modules are built from)', sh: ALPINE_ZFS }],
      },
      env,
    ),
});
