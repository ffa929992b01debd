import { defineIoProject } from '../vitest.shared.ts';

export default defineIoProject(import.meta.dirname, {
  name: 'deploy',
  // Rendering and schema-checking manifests needs no servers: vitest's own hook timeout is enough.
  hookTimeout: 10_000,
});
