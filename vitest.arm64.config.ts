import { defineConfig } from 'vitest/config';

/** `npm run test:arm64`: the opt-in heavy Debian arm64 test (an hour uncached; not in `npm test`). */
export default defineConfig({
  test: {
    include: ['test/arm64/**/*.heavy.ts'],
    testTimeout: 90 * 60_000,
    hookTimeout: 180 * 60_000,
    fileParallelism: false,
    reporters: ['default'],
  },
});
