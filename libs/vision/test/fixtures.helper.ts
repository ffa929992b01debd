/** Paths to the committed fixture images (see fixtures/LICENSES.md). */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');
export const TEXTURES = ['brick', 'grass', 'gravel'] as const;
export type Texture = (typeof TEXTURES)[number];

export async function textureFiles(texture: Texture): Promise<string[]> {
  const dir = path.join(FIXTURES, 'textures', texture);
  return (await readdir(dir)).sort().map((f) => path.join(dir, f));
}

export const fixture = (rel: string): Promise<Buffer> => readFile(path.join(FIXTURES, rel));
export const fixturePath = (rel: string): string => path.join(FIXTURES, rel);

/** Tiles 0..7 of each texture train, 8..11 are held out. */
export const isTrainTile = (file: string): boolean => Number(path.basename(file).slice(0, 2)) < 8;
