import { defineIoProject } from '../../vitest.shared.ts';

export default defineIoProject(import.meta.dirname, {
  name: 'review-ui',
  hookTimeout: 180_000,
  // The end-to-end suite waits on a real browser and server; 10 s is a ceiling, not a delay.
  expect: { poll: { timeout: 10_000, interval: 100 } },
});
