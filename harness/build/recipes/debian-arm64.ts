/** debian-arm64: the M-series kernel cross-built on this host (custom-os/debian-arm64, cached by input hash). */
import { defineRecipe } from '../recipe.ts';

export default defineRecipe({
  os: 'debian-arm64',
  kind: 'local',
  plan: () => ({
    os: 'debian-arm64',
    kind: 'local',
    steps: [{ title: 'cross-build the M-series kernel here (cached by input hash)', local: 'cross-build-m-series' }],
  }),
});
