import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    name: 'review-ui',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['**/*.live.test.ts', '**/node_modules/**'],
    testTimeout: 60_000,
    hookTimeout: 180_000,
    // The end-to-end suite waits on a real browser and server; 10 s is a ceiling, not a delay.
    expect: { poll: { timeout: 10_000, interval: 100 } },
  },
});
