import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // VM tests share one QEMU testbed image and two cores: run files one at a time.
    fileParallelism: false,
    reporters: ['default'],
  },
});
