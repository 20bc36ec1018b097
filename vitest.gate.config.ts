import { defineConfig } from 'vitest/config';

/** `npm run test:gate`: the opt-in replay of the pull-request gate with real boots (~35 min from a cached image; not in `npm test`). */
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.heavy.ts'],
    globalSetup: ['test/helpers/build-cli.ts'],
    testTimeout: 45 * 60_000,
    hookTimeout: 10 * 60_000,
    fileParallelism: false,
    reporters: ['default'],
  },
});
