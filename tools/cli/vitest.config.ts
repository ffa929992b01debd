import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    name: 'cli',
    root: import.meta.dirname,
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // The end-to-end suite starts a real cloud-graph (PostgreSQL, migrations) and trains a model on it.
    testTimeout: 180_000,
    hookTimeout: 180_000,
  },
});
