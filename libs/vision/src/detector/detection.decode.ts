/**
 * CenterNet decoding, as the TF.js graph does it after its heads: a cell is a detection when its class score is
 * the maximum of its 3×3 neighbourhood (the "max-pool NMS"); the best 100 such peaks are kept; a peak at cell
 * (x, y) has the box [4x − l, 4y − t, 4x + r, 4y + b] in input pixels, (l, t, r, b) read from the box head.
 * Then greedy IoU suppression across the classes asked about (one object found as both car and truck counts once).
 */
import type { CocoClass } from './coco-classes';
import { COCO_CLASSES } from './coco-classes';

/** Normalised to the image: 0..1, left < right, top < bottom. */
export interface NormalisedBox {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

export interface Detection {
  label: CocoClass;
  classIndex: number;
  score: number;
  box: NormalisedBox;
}

export interface HeadGrid {
  /** [classes, cells, cells] class scores in 0..1. */
  heatmap: Float32Array;
  /** [4, cells, cells] left, top, right, bottom extents in input pixels. */
  extents: Float32Array;
  cells: number;
  classes: number;
  stride: number;
  inputSize: number;
}

export interface PeakOptions {
  /** Class indices to look at (all when omitted). */
  classIndices?: readonly number[];
  /** Peaks below this score are ignored. */
  floor: number;
  /** How many peaks to keep, best first (the TF.js graph keeps 100). */
  topK: number;
}

const clamp01 = (v: number): number => Math.min(1, Math.max(0, v));

export function decodePeaks(grid: HeadGrid, opts: PeakOptions): Detection[] {
  const { heatmap, extents, cells, stride, inputSize } = grid;
  const plane = cells * cells;
  const classes = opts.classIndices ?? Array.from({ length: grid.classes }, (_, i) => i);
  const found: Detection[] = [];
  for (const c of classes) {
    const base = c * plane;
    for (let y = 0; y < cells; y++) {
      for (let x = 0; x < cells; x++) {
        const v = heatmap[base + y * cells + x]!;
        if (v < opts.floor || !isPeak(heatmap, base, cells, x, y, v)) continue;
        const p = y * cells + x;
        const cx = x * stride;
        const cy = y * stride;
        found.push({
          label: COCO_CLASSES[c]!,
          classIndex: c,
          score: v,
          box: {
            left: clamp01((cx - extents[p]!) / inputSize),
            top: clamp01((cy - extents[plane + p]!) / inputSize),
            right: clamp01((cx + extents[2 * plane + p]!) / inputSize),
            bottom: clamp01((cy + extents[3 * plane + p]!) / inputSize),
          },
        });
      }
    }
  }
  return found.sort((a, b) => b.score - a.score).slice(0, opts.topK);
}

/** Equal to the 3×3 maximum around it (edges padded with −∞, as TF's SAME max-pool). */
function isPeak(h: Float32Array, base: number, cells: number, x: number, y: number, v: number): boolean {
  for (let dy = -1; dy <= 1; dy++) {
    const yy = y + dy;
    if (yy < 0 || yy >= cells) continue;
    for (let dx = -1; dx <= 1; dx++) {
      const xx = x + dx;
      if (xx < 0 || xx >= cells) continue;
      if (h[base + yy * cells + xx]! > v) return false;
    }
  }
  return true;
}

export function iou(a: NormalisedBox, b: NormalisedBox): number {
  const w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
  const h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  const area = (r: NormalisedBox): number => (r.right - r.left) * (r.bottom - r.top);
  return inter / (area(a) + area(b) - inter);
}

/** Greedy non-maximum suppression over detections sorted best first: a box overlapping a kept one is dropped. */
export function nonMaxSuppression(sorted: readonly Detection[], iouThreshold: number): Detection[] {
  const kept: Detection[] = [];
  for (const d of sorted) if (kept.every((k) => iou(k.box, d.box) <= iouThreshold)) kept.push(d);
  return kept;
}
