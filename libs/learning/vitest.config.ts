import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    name: 'learning',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['**/*.live.test.ts', '**/node_modules/**'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
