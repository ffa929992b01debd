import { defineIoProject } from '../../vitest.shared.ts';

export default defineIoProject(import.meta.dirname, {
  name: 'cli',
  // The end-to-end suite starts a real cloud-graph (PostgreSQL, migrations) and trains a model on it.
  testTimeout: 180_000,
  hookTimeout: 180_000,
});
