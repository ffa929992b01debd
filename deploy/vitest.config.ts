import { defineIoProject } from '../vitest.shared.ts';

export default defineIoProject(import.meta.dirname, { name: 'deploy' });
