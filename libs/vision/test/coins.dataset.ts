/**
 * Coins (a class outside COCO) with boxes drawn by hand on counting/coins.png (384×303, 24 coins in four rows),
 * as a reviewer would label crops of it: the density-head tests in libs/vision and apps/inference train on crops
 * of the top two rows and count crops of the bottom two (other coins).
 */
import sharp from 'sharp';
import type { NormalisedBox } from '../src/index';
import { mulberry32 } from '../src/index';

// prettier-ignore
export const COINS: [number, number, number, number][] = [
  [0.06, 0.115, 0.175, 0.245], [0.21, 0.13, 0.31, 0.24], [0.345, 0.095, 0.46, 0.245],
  [0.5, 0.1, 0.625, 0.24], [0.665, 0.13, 0.77, 0.24], [0.795, 0.055, 0.95, 0.235],
  [0.065, 0.345, 0.175, 0.48], [0.22, 0.355, 0.315, 0.48], [0.35, 0.36, 0.45, 0.48],
  [0.485, 0.35, 0.59, 0.48], [0.64, 0.315, 0.735, 0.475], [0.825, 0.35, 0.925, 0.475],
  [0.065, 0.585, 0.16, 0.715], [0.21, 0.58, 0.32, 0.715], [0.35, 0.59, 0.45, 0.715],
  [0.49, 0.565, 0.58, 0.715], [0.655, 0.57, 0.77, 0.715], [0.82, 0.515, 0.985, 0.72],
  [0.05, 0.77, 0.195, 0.95], [0.24, 0.805, 0.35, 0.95], [0.375, 0.78, 0.525, 0.95],
  [0.57, 0.795, 0.7, 0.95], [0.715, 0.79, 0.85, 0.95], [0.875, 0.815, 0.99, 0.95],
];
export const COINS_W = 384;
export const COINS_H = 303;

export interface Crop {
  left: number;
  top: number;
  size: number;
}

/** `n` square crops (pixels) inside the band of rows [y0, y1) (fractions of the height). */
export function coinCrops(n: number, y0: number, y1: number, seed: number): Crop[] {
  const rng = mulberry32(seed);
  const band = Math.floor((y1 - y0) * COINS_H);
  return Array.from({ length: n }, () => {
    const size = Math.floor(60 + rng() * (band - 60));
    return {
      left: Math.floor(rng() * (COINS_W - size)),
      top: Math.floor(y0 * COINS_H + rng() * (band - size)),
      size,
    };
  });
}

/** The boxes a reviewer would draw on the crop: coins at least half inside, cut to the crop. */
export function reviewerBoxes(c: Crop): NormalisedBox[] {
  const area = (x: NormalisedBox): number => Math.max(0, x.right - x.left) * Math.max(0, x.bottom - x.top);
  const out: NormalisedBox[] = [];
  for (const [l, t, r, b] of COINS) {
    const box = {
      left: (l * COINS_W - c.left) / c.size,
      top: (t * COINS_H - c.top) / c.size,
      right: (r * COINS_W - c.left) / c.size,
      bottom: (b * COINS_H - c.top) / c.size,
    };
    const cut = {
      left: Math.max(0, box.left),
      top: Math.max(0, box.top),
      right: Math.min(1, box.right),
      bottom: Math.min(1, box.bottom),
    };
    if (area(cut) >= 0.5 * area(box)) out.push(cut);
  }
  return out;
}

/** The crop as PNG bytes. */
export const cropPng = (image: Buffer, c: Crop): Promise<Buffer> =>
  sharp(image).extract({ left: c.left, top: c.top, width: c.size, height: c.size }).png().toBuffer();
