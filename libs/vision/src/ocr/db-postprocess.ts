/**
 * DB (differentiable binarisation) post-processing as PaddleOCR does it, for axis-aligned text: threshold the
 * text probability map, take 8-connected components, score each by the mean probability inside its box, and
 * "unclip" the shrunken box by d = area × ratio / perimeter (the detector was trained on text regions shrunk by
 * that offset). Rotated text is boxed by its axis-aligned hull, which is what labels and displays need.
 */
export interface TextBox {
  left: number;
  top: number;
  right: number;
  bottom: number;
  /** Mean text probability inside the (shrunken) box. */
  score: number;
}

export interface DbOptions {
  /** Pixels above this are text (PaddleOCR: 0.3). */
  threshold: number;
  /** Boxes whose mean probability is below this are dropped (PaddleOCR: 0.6). */
  boxThreshold: number;
  /** PaddleOCR: 1.5. */
  unclipRatio: number;
  /** Boxes with a side shorter than this (map pixels) are noise (PaddleOCR: 3). */
  minSize: number;
}

export const DEFAULT_DB_OPTIONS: DbOptions = {
  threshold: 0.3,
  boxThreshold: 0.6,
  unclipRatio: 1.5,
  minSize: 3,
};

/** Boxes in probability-map pixels (right/bottom exclusive), unclipped and clamped to the map. */
export function dbBoxes(
  prob: Float32Array,
  width: number,
  height: number,
  opts = DEFAULT_DB_OPTIONS,
): TextBox[] {
  const label = new Int32Array(width * height);
  const stack: number[] = [];
  const boxes: TextBox[] = [];
  let next = 0;
  for (let start = 0; start < prob.length; start++) {
    if (label[start] !== 0 || prob[start]! <= opts.threshold) continue;
    next++;
    label[start] = next;
    stack.push(start);
    let [x0, y0, x1, y1] = [width, height, -1, -1];
    while (stack.length > 0) {
      const p = stack.pop()!;
      const x = p % width;
      const y = (p - x) / width;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
      for (let dy = -1; dy <= 1; dy++) {
        const yy = y + dy;
        if (yy < 0 || yy >= height) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const xx = x + dx;
          if (xx < 0 || xx >= width) continue;
          const q = yy * width + xx;
          if (label[q] === 0 && prob[q]! > opts.threshold) {
            label[q] = next;
            stack.push(q);
          }
        }
      }
    }
    const w = x1 - x0 + 1;
    const h = y1 - y0 + 1;
    if (Math.min(w, h) < opts.minSize) continue;
    let sum = 0;
    for (let y = y0; y <= y1; y++) for (let x = x0; x <= x1; x++) sum += prob[y * width + x]!;
    const score = sum / (w * h);
    if (score < opts.boxThreshold) continue;
    const d = (w * h * opts.unclipRatio) / (2 * (w + h));
    if (Math.min(w, h) + 2 * d < opts.minSize + 2) continue;
    boxes.push({
      left: Math.max(0, x0 - d),
      top: Math.max(0, y0 - d),
      right: Math.min(width, x1 + 1 + d),
      bottom: Math.min(height, y1 + 1 + d),
      score,
    });
  }
  return boxes;
}

/** Reading order: top to bottom, boxes whose tops are within half a line height read left to right. */
export function readingOrder<T extends { left: number; top: number; bottom: number }>(
  boxes: readonly T[],
): T[] {
  const sorted = [...boxes].sort((a, b) => a.top - b.top || a.left - b.left);
  const lines: T[][] = [];
  for (const b of sorted) {
    const line = lines[lines.length - 1];
    const ref = line?.[0];
    if (line && ref && Math.abs(b.top - ref.top) < (ref.bottom - ref.top) / 2) line.push(b);
    else lines.push([b]);
  }
  return lines.flatMap((l) => l.sort((a, b) => a.left - b.left));
}
