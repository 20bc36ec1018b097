import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/helpers/build-cli.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // VM tests share one QEMU testbed image and two cores: run files one at a time.
    fileParallelism: false,
    reporters: ['default'],
  },
});
