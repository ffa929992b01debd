/**
 * Reads a folder of labelled images laid out as `<root>/<class name>/<image>` and embeds them with the
 * engine in small batches. Used by tools/build-starter-model.ts, the tests and the demo.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { VisionEngine } from '../engine/vision.engine';
import type { LabelledFeatures } from './starter-model';

const IMAGE_EXT = /\.(jpe?g|png|webp)$/i;

export interface LabelledImage {
  path: string;
  label: number;
}

/**
 * Class order: YES before NO for binary folders (so class 0 is YES); otherwise natural order, so COUNT
 * folders 0, 1, …, 10, GREATER_THAN_MAX come out in numeric order.
 */
function orderClasses(names: string[]): string[] {
  const upper = names.map((n) => n.toUpperCase());
  if (names.length === 2 && upper.includes('YES') && upper.includes('NO')) {
    return [...names].sort((a) => (a.toUpperCase() === 'YES' ? -1 : 1));
  }
  return [...names].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
}

export async function listLabelledImages(
  root: string,
): Promise<{ images: LabelledImage[]; classNames: string[] }> {
  const entries = await readdir(root, { withFileTypes: true });
  const classNames = orderClasses(
    entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name),
  );
  if (classNames.length < 2)
    throw new Error(`${root}: need at least 2 class subfolders (for example YES/ and NO/)`);
  const images: LabelledImage[] = [];
  for (const [label, name] of classNames.entries()) {
    const files = (await readdir(path.join(root, name))).filter((f) => IMAGE_EXT.test(f)).sort();
    for (const f of files) images.push({ path: path.join(root, name, f), label });
  }
  return { images, classNames };
}

export async function embedLabelledFolder(
  engine: VisionEngine,
  root: string,
  onProgress?: (done: number, total: number) => void,
  batchSize = 8,
): Promise<LabelledFeatures & { paths: string[] }> {
  const { images, classNames } = await listLabelledImages(root);
  const features: Float32Array[] = [];
  for (let i = 0; i < images.length; i += batchSize) {
    const chunk = images.slice(i, i + batchSize);
    const bytes = await Promise.all(chunk.map((img) => readFile(img.path)));
    const { features: f } = await engine.embed(bytes);
    features.push(...f);
    onProgress?.(Math.min(i + batchSize, images.length), images.length);
  }
  return { features, labels: images.map((i) => i.label), classNames, paths: images.map((i) => i.path) };
}
