import { defineIoProject } from '../../vitest.shared.ts';

export default defineIoProject(import.meta.dirname, {
  name: 'cli',
  // The end-to-end suite starts a real cloud-graph and edge-gateway and trains a model on the cloud.
  testTimeout: 180_000,
  hookTimeout: 180_000,
});
