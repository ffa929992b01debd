import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    name: 'tools',
    root: import.meta.dirname,
    include: ['test/**/*.test.ts'],
    testTimeout: 300_000,
    hookTimeout: 300_000,
    // After every other project: `npm start` runs the whole platform on fixed ports and loads both cores.
    sequence: { groupOrder: 1 },
  },
});
