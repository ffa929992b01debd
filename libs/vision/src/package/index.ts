/**
 * `@intellioptics/vision/package`: model-package types and I/O only. Light on purpose (node:fs, yaml, schema
 * types): the edge reads and installs packages without loading sharp or onnxruntime (test/light-entry.test.ts).
 */
export * from './model-package.types';
export * from './model-package.io';
