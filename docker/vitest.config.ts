import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    name: 'docker',
    root: import.meta.dirname,
    include: ['test/**/*.test.ts'],
    // docker-compose v1 (Python) takes a few seconds per `config -q`.
    testTimeout: 120_000,
    hookTimeout: 60_000,
  },
});
