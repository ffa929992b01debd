/**
 * Labelled person counts built from the repo's real photos, for fitting and measuring the count calibration.
 * The repo has four photos with hand-drawn person boxes (the three street frames and person.jpg, the same truths
 * as object-detector.test.ts) and people-free photos (the texture tiles, chelsea, coffee, dog). From them:
 * - windows: random square crops of a photo; a person counts when ≥ 70% of their box is inside, and a window
 *   cutting a box between 25% and 70% is redrawn (a reviewer could not say whether that person counts);
 * - composites: 2×2 tiles of four such windows at 256 px each, count = the sum (people smaller, as in a
 *   wide shot).
 * Split so held-out people are other people: "train" windows lie in the left half of each photo (x < 0.5),
 * "test" windows in the right half; people-free images: texture tiles 0..7, chelsea and dog train, tiles 8..11
 * and coffee test. Same scenes on both sides (four photos is all there is), so say so with any number.
 */
import path from 'node:path';
import sharp from 'sharp';
import type { NormalisedBox } from '../src/index';
import { mulberry32 } from '../src/index';
import { fixture, isTrainTile, TEXTURES, textureFiles } from './fixtures.helper';
import { readFile } from 'node:fs/promises';

type Truth = [left: number, top: number, right: number, bottom: number];

const PEOPLE: Record<string, Truth[]> = {
  'detection/street-010.jpg': [
    [0.365, 0.29, 0.395, 0.41],
    [0.48, 0.31, 0.52, 0.45],
    [0.53, 0.32, 0.56, 0.45],
    [0.575, 0.32, 0.615, 0.47],
    [0.62, 0.32, 0.655, 0.45],
    [0.755, 0.36, 0.8, 0.53],
  ],
  'detection/street-050.jpg': [
    [0.335, 0.335, 0.375, 0.475],
    [0.75, 0.255, 0.785, 0.37],
    [0.85, 0.495, 0.895, 0.685],
    [0.965, 0.39, 1.0, 0.565],
  ],
  'detection/street-090.jpg': [
    [0.07, 0.45, 0.13, 0.62],
    [0.245, 0.335, 0.275, 0.47],
    [0.305, 0.305, 0.335, 0.44],
    [0.425, 0.28, 0.475, 0.4],
    [0.555, 0.35, 0.58, 0.48],
    [0.635, 0.315, 0.67, 0.42],
    [0.685, 0.22, 0.71, 0.33],
    [0.78, 0.36, 0.825, 0.515],
  ],
  'detection/person.jpg': [[0.3, 0.235, 0.43, 0.885]],
};

export type Split = 'train' | 'test';

export interface CountImage {
  image: Buffer;
  count: number;
  /** How it was made, e.g. "street-010.jpg window" or "composite". */
  kind: string;
}

interface Source {
  bytes: Buffer;
  width: number;
  height: number;
  people: Truth[];
  name: string;
}

const insideFraction = (b: Truth, w: NormalisedBox): number => {
  const iw = Math.min(b[2], w.right) - Math.max(b[0], w.left);
  const ih = Math.min(b[3], w.bottom) - Math.max(b[1], w.top);
  if (iw <= 0 || ih <= 0) return 0;
  return (iw * ih) / ((b[2] - b[0]) * (b[3] - b[1]));
};

async function sources(split: Split): Promise<Source[]> {
  const out: Source[] = [];
  const add = async (rel: string, people: Truth[]): Promise<void> => {
    const bytes = rel.startsWith('/') ? await readFile(rel) : await fixture(rel);
    const m = await sharp(bytes).metadata();
    out.push({ bytes, width: m.width, height: m.height, people, name: path.basename(rel) });
  };
  for (const [rel, people] of Object.entries(PEOPLE)) await add(rel, people);
  for (const t of TEXTURES)
    for (const f of await textureFiles(t)) if (isTrainTile(f) === (split === 'train')) await add(f, []);
  for (const p of split === 'train' ? ['photos/chelsea.jpg', 'photos/dog.jpg'] : ['photos/coffee.png'])
    await add(p, []);
  return out;
}

/** A square window of `s` on its split's half, with its count, or null when it cuts a person ambiguously. */
function window(s: Source, split: Split, rng: () => number): { box: NormalisedBox; count: number } | null {
  const side = Math.min(s.width, s.height) * (0.3 + rng() * 0.7);
  const wFrac = side / s.width;
  const hFrac = side / s.height;
  // Photos with people: the window lies in its split's half (a half is narrower than a square window only
  // when the photo is taller than wide, then the window is shrunk to fit).
  const half = s.people.length > 0;
  const x0 = half && split === 'test' ? 0.5 : 0;
  const span = half ? 0.5 : 1;
  const w = Math.min(wFrac, span);
  const h = half ? Math.min(hFrac, (w * s.width) / s.height) : hFrac;
  const left = x0 + rng() * (span - w);
  const top = rng() * (1 - h);
  const box = { left, top, right: left + w, bottom: top + h };
  let count = 0;
  for (const p of s.people) {
    const f = insideFraction(p, box);
    if (f >= 0.7) count++;
    else if (f > 0.25) return null;
  }
  return { box, count };
}

async function crop(s: Source, b: NormalisedBox, size?: number): Promise<Buffer> {
  const left = Math.floor(b.left * s.width);
  const top = Math.floor(b.top * s.height);
  const width = Math.max(8, Math.min(s.width - left, Math.round((b.right - b.left) * s.width)));
  const height = Math.max(8, Math.min(s.height - top, Math.round((b.bottom - b.top) * s.height)));
  const img = sharp(s.bytes).extract({ left, top, width, height });
  return (size ? img.resize(size, size, { fit: 'fill' }) : img).jpeg({ quality: 92 }).toBuffer();
}

/**
 * `n` labelled images of a split: about 40% single windows of photos with people, 20% people-free windows and
 * 40% 2×2 composites of windows (any sources of the split).
 */
export async function labelledCounts(split: Split, n: number, seed: number): Promise<CountImage[]> {
  const all = await sources(split);
  const withPeople = all.filter((s) => s.people.length > 0);
  const rng = mulberry32(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)]!;
  const drawWindow = (s: Source): { box: NormalisedBox; count: number } => {
    for (;;) {
      const w = window(s, split, rng);
      if (w) return w;
    }
  };
  const out: CountImage[] = [];
  while (out.length < n) {
    const r = rng();
    if (r < 0.6) {
      const s = r < 0.4 ? pick(withPeople) : pick(all);
      const w = drawWindow(s);
      out.push({ image: await crop(s, w.box), count: w.count, kind: `${s.name} window` });
    } else {
      const tiles = [pick(withPeople), pick(all), pick(withPeople), pick(all)];
      const parts = await Promise.all(
        tiles.map(async (s) => {
          const w = drawWindow(s);
          return { buf: await crop(s, w.box, 256), count: w.count };
        }),
      );
      const image = await sharp({
        create: { width: 512, height: 512, channels: 3, background: { r: 0, g: 0, b: 0 } },
      })
        .composite(parts.map((p, i) => ({ input: p.buf, left: (i % 2) * 256, top: Math.floor(i / 2) * 256 })))
        .jpeg({ quality: 92 })
        .toBuffer();
      out.push({ image, count: parts.reduce((a, p) => a + p.count, 0), kind: 'composite' });
    }
  }
  return out;
}
