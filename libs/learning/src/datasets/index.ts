/**
 * `@intellioptics/learning/datasets`: the real labelled data the learning tests and benchmarks measure on.
 * Fashion-MNIST from Debian's `dataset-fashion-mnist` (70,000 grey 28×28 images, 10 classes) and 5,000
 * handwritten digits (libs/learning/test/fixtures/digits.png, an out-of-domain set for the same size).
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { mulberry32 } from '@intellioptics/vision';
import sharp from 'sharp';

export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';
export const FASHION_MNIST_PACKAGE = 'dataset-fashion-mnist';
export const DIGITS_PNG = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../test/fixtures/digits.png',
);
/** Sandal, sneaker and ankle boot: "is it footwear?" is the benchmarks' binary question. */
/** Fashion-MNIST's class names, by label index. */
export const FASHION_CLASS_NAMES: readonly string[] = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
];

export const FOOTWEAR_CLASSES: ReadonlySet<number> = new Set([5, 7, 9]);

/** Grey 28×28 images with their class and a stable id. */
export interface GreyImageSet {
  name: string;
  grey: Uint8Array[];
  classes: number[];
  ids: string[];
}

export type FashionSplit = 'train' | 't10k';

const file = (split: FashionSplit, kind: 'images' | 'labels') =>
  path.join(FASHION_MNIST_DIR, `${split}-${kind}-idx${kind === 'images' ? 3 : 1}-ubyte.gz`);

export function hasFashionMnist(): boolean {
  return (['train', 't10k'] as const).every(
    (s) => existsSync(file(s, 'images')) && existsSync(file(s, 'labels')),
  );
}

/** Installs the Debian package when it is missing (benchmarks; `.ci/run` installs it for the tests). */
export function ensureFashionMnist(log: (line: string) => void): void {
  if (hasFashionMnist()) return;
  log(`Fashion-MNIST not found in ${FASHION_MNIST_DIR}: installing ${FASHION_MNIST_PACKAGE} with apt-get`);
  for (let attempt = 1; ; attempt++) {
    try {
      execFileSync('apt-get', ['install', '-y', '--no-install-recommends', FASHION_MNIST_PACKAGE], {
        stdio: ['ignore', 'ignore', 'inherit'],
        env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      });
      return;
    } catch (err) {
      if (attempt === 1) {
        log('apt-get install failed; running apt-get update and retrying');
        execFileSync('apt-get', ['update'], { stdio: ['ignore', 'ignore', 'inherit'] });
      } else if (attempt < 20) {
        log(`apt-get install failed (attempt ${attempt}, dpkg may be locked); retrying in 15 s`);
        execFileSync('sleep', ['15']);
      } else throw err;
    }
  }
}

/** The IDX payload after its header (magic, then one 32-bit size per dimension). */
async function readIdx(p: string): Promise<Buffer> {
  const buf = gunzipSync(await readFile(p));
  return buf.subarray(4 + 4 * buf[3]!);
}

/** The Fashion-MNIST images at `indices` of a split. */
export async function fashionMnist(split: FashionSplit, indices: readonly number[]): Promise<GreyImageSet> {
  if (!hasFashionMnist())
    throw new Error(
      `Fashion-MNIST is not in ${FASHION_MNIST_DIR}: apt-get install ${FASHION_MNIST_PACKAGE} (.ci/run does)`,
    );
  const [images, labels] = [await readIdx(file(split, 'images')), await readIdx(file(split, 'labels'))];
  return {
    name: `fashion-${split}-${indices.length}`,
    grey: indices.map((i) => new Uint8Array(images.subarray(i * 784, (i + 1) * 784))),
    classes: indices.map((i) => labels[i]!),
    ids: indices.map((i) => `${split}-${i}`),
  };
}

/**
 * `perDigit` handwritten digits per class from digits.png (50 rows × 100 columns of 20×20 cells, 500 per
 * digit), spread over each digit's cells and padded to 28×28 as MNIST centres its 20×20 digits.
 */
export async function handwrittenDigits(perDigit: number): Promise<GreyImageSet> {
  const { data, info } = await sharp(DIGITS_PNG).greyscale().raw().toBuffer({ resolveWithObject: true });
  const set: GreyImageSet = { name: `digits-${perDigit}`, grey: [], classes: [], ids: [] };
  for (let d = 0; d < 10; d++) {
    for (let k = 0; k < perDigit; k++) {
      const cell = Math.floor((k * 500) / perDigit);
      const [row, col] = [d * 5 + Math.floor(cell / 100), cell % 100];
      const img = new Uint8Array(784);
      for (let y = 0; y < 20; y++)
        for (let x = 0; x < 20; x++)
          img[(y + 4) * 28 + x + 4] = data[(row * 20 + y) * info.width + col * 20 + x]!;
      set.grey.push(img);
      set.classes.push(d);
      set.ids.push(`digit-${d}-${cell}`);
    }
  }
  return set;
}

/** A grey 28×28 image as PNG bytes (what a camera client would send). */
export function greyPng(grey: Uint8Array): Promise<Buffer> {
  return sharp(Buffer.from(grey), { raw: { width: 28, height: 28, channels: 1 } })
    .png()
    .toBuffer();
}

/** `count` distinct indices of `0..n-1`, seeded (mulberry32 Fisher–Yates), skipping `exclude`. */
export function seededSample(n: number, count: number, seed: number, exclude = new Set<number>()): number[] {
  const rng = mulberry32(seed);
  const idx = Array.from({ length: n }, (_, i) => i).filter((i) => !exclude.has(i));
  for (let i = idx.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [idx[i], idx[j]] = [idx[j]!, idx[i]!];
  }
  return idx.slice(0, count);
}

export { bagLeftOfShoe, CANVAS_SIDE, type CompositeSet } from './compositional';
