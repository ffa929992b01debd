/**
 * The light subpaths must not reach sharp, onnxruntime or TensorFlow.js: the edge imports them to read and
 * install model packages. Each entry is imported in a fresh Node process that records every module it resolves.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../../..');
const HEAVY = /\/node_modules\/(sharp|onnxruntime-node|onnxruntime-common|@tensorflow|nsfwjs|onnx-proto)\//;

async function resolvedModules(specifier: string): Promise<string[]> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [
      '--import',
      'tsx',
      '--import',
      path.join(here, 'module-trace.hook.mjs'),
      '-e',
      `await import('${specifier}')`,
    ],
    { cwd: repoRoot },
  );
  return JSON.parse(stdout) as string[];
}

describe('light subpath entry points', () => {
  it.each(['@intellioptics/vision/package', '@intellioptics/vision/preprocess'])(
    '%s loads no heavy runtime',
    async (entry) => {
      const modules = await resolvedModules(entry);
      expect(modules.some((u) => u.includes('/libs/vision/src/'))).toBe(true);
      expect(modules.filter((u) => HEAVY.test(u))).toEqual([]);
    },
  );

  it('the full barrel does load them (the trace sees what it should)', async () => {
    const modules = await resolvedModules('@intellioptics/vision');
    expect(modules.some((u) => u.includes('/node_modules/sharp/'))).toBe(true);
    expect(modules.some((u) => u.includes('/node_modules/onnxruntime-node/'))).toBe(true);
  });

  it('the subpaths export what the edge needs', async () => {
    const pkg = await import('@intellioptics/vision/package');
    const pre = await import('@intellioptics/vision/preprocess');
    expect(typeof pkg.readModelPackage).toBe('function');
    expect(typeof pkg.installModelPackage).toBe('function');
    expect(typeof pkg.ModelPackageError).toBe('function');
    expect(typeof pre.parsePipelineConfig).toBe('function');
    expect(typeof pre.sniffImageFormat).toBe('function');
    expect(typeof pre.VisionInputError).toBe('function');
  });
});
