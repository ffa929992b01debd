#!/usr/bin/env node
// The `io` command: runs the TypeScript sources through tsx, like the services do (no build step).
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');
