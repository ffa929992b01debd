import { defineIoProject } from '../vitest.shared.ts';

export default defineIoProject(import.meta.dirname, {
  name: 'docker',
  // docker-compose v1 (Python) takes a few seconds per `config -q`.
  testTimeout: 120_000,
  hookTimeout: 60_000,
});
