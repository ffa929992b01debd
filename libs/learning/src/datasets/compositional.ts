/**
 * Compositional questions built from real Fashion-MNIST items (#15): a 56×56 canvas with one bag and one shoe
 * (sandal, sneaker or ankle boot) side by side at random heights, "is the bag left of the shoe?". A pooled
 * feature vector barely sees the order of the two items; a head reading the 7×7 patch tokens can. Used by
 * `npm run bench:reasoning` and the end-to-end reasoning test (apps/edge-gateway/test/reasoning.int.test.ts).
 */
import { mulberry32 } from '@intellioptics/vision';
import sharp from 'sharp';
import { fashionMnist, FOOTWEAR_CLASSES, seededSample, type FashionSplit } from './index';

const BAG = 8;
export const CANVAS_SIDE = 56;

export interface CompositeSet {
  name: string;
  /** Stable ids: the two items' ids, sides and heights. */
  ids: string[];
  /** Grey CANVAS_SIDE² canvases. */
  grey: Uint8Array[];
  /** 0 = YES (the bag is left of the shoe), 1 = NO: a binary detector's class order. */
  labels: number[];
  png: () => Promise<Buffer[]>;
}

/** `count` canvases from one split's items (t10k for test canvases: no item shared with train ones). */
export async function bagLeftOfShoe(
  split: FashionSplit,
  count: number,
  seed: number,
  name: string,
): Promise<CompositeSet> {
  const pool = await fashionMnist(split, seededSample(split === 'train' ? 60_000 : 10_000, 8000, seed));
  const bags = pool.classes.map((c, i) => (c === BAG ? i : -1)).filter((i) => i >= 0);
  const shoes = pool.classes.map((c, i) => (FOOTWEAR_CLASSES.has(c) ? i : -1)).filter((i) => i >= 0);
  const rng = mulberry32(seed + 1);
  const pick = (list: number[]): number => list[Math.floor(rng() * list.length)]!;
  const set: CompositeSet = { name, ids: [], grey: [], labels: [], png: async () => [] };
  const S = CANVAS_SIDE;
  for (let n = 0; n < count; n++) {
    const bag = pick(bags);
    const shoe = pick(shoes);
    const bagLeft = rng() < 0.5;
    const canvas = new Uint8Array(S * S);
    const place = (item: number, x0: number): number => {
      const y0 = Math.floor(rng() * (S - 28 + 1));
      const g = pool.grey[item]!;
      for (let y = 0; y < 28; y++)
        for (let x = 0; x < 28; x++) canvas[(y0 + y) * S + x0 + x] = g[y * 28 + x]!;
      return y0;
    };
    const yBag = place(bag, bagLeft ? 0 : 28);
    const yShoe = place(shoe, bagLeft ? 28 : 0);
    set.ids.push(`${pool.ids[bag]}@${bagLeft ? 'L' : 'R'}${yBag}+${pool.ids[shoe]}@${yShoe}`);
    set.grey.push(canvas);
    set.labels.push(bagLeft ? 0 : 1);
  }
  set.png = () =>
    Promise.all(
      set.grey.map((g) =>
        sharp(Buffer.from(g), { raw: { width: S, height: S, channels: 1 } })
          .png()
          .toBuffer(),
      ),
    );
  return set;
}
