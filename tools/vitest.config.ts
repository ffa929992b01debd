import { defineIoProject } from '../vitest.shared.ts';

export default defineIoProject(import.meta.dirname, {
  name: 'tools',
  testTimeout: 300_000,
  hookTimeout: 300_000,
  // After every other project: `npm start` runs the whole platform on fixed ports and loads both cores.
  sequence: { groupOrder: 1 },
});
