import { defineIoProject } from '../vitest.shared.ts';

export default defineIoProject(import.meta.dirname, {
  name: 'nginx',
  hookTimeout: 60_000,
  // Each file starts its own nginx and stand-in servers on free ports.
  fileParallelism: true,
});
