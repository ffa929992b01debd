/**
 * Real images for the tests: the texture and digit fixtures committed in libs/vision/test/fixtures (see
 * libs/vision/test/fixtures/LICENSES.md), embedded once per test file with the real backbone.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { VisionEngine } from '@intellioptics/vision';

export const VISION_FIXTURES = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../vision/test/fixtures',
);

export interface EmbeddedImage {
  id: string;
  group: string;
  features: Float32Array;
}

export async function embedFolder(
  engine: VisionEngine,
  rel: string,
  group: string,
): Promise<EmbeddedImage[]> {
  const dir = path.join(VISION_FIXTURES, rel);
  const files = (await readdir(dir)).sort();
  const bytes = await Promise.all(files.map((f) => readFile(path.join(dir, f))));
  const { features } = await engine.embed(bytes);
  return files.map((f, i) => ({ id: `${group}/${f}`, group, features: features[i]! }));
}
