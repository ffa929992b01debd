import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    name: 'nginx',
    root: import.meta.dirname,
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Each file starts its own nginx and stand-in servers on free ports.
    fileParallelism: true,
  },
});
