/**
 * The evidence map drawn over the image: reading it defensively, the colour scale, and where each cell falls.
 * The map is the contract's (libs/schema explanation: rows × cols values, row-major, top row first; larger =
 * more support for `label`). Values are contributions, so they may have both signs: then the scale diverges
 * about 0 (blue against, red for, transparent at 0, the same magnitude on both sides so colours compare);
 * all-one-sign maps use a sequential scale from their minimum (transparent) to their maximum.
 */

export interface EvidenceGrid {
  rows: number;
  cols: number;
  values: readonly number[];
  label: string;
}

export type ScaleKind = 'diverging' | 'sequential';

export interface EvidenceScale {
  kind: ScaleKind;
  /** The value drawn fully transparent (0 when diverging, the minimum when sequential). */
  zero: number;
  /** The value drawn with full colour (for diverging, ±max|v|). */
  max: number;
  min: number;
}

export type Rgba = readonly [number, number, number, number];

export interface CellRect {
  x: number;
  y: number;
  w: number;
  h: number;
}

const MAX_SIDE = 64;

/** The map if it is usable (whole-number sides within the contract's bounds, rows × cols finite values). */
export function readEvidence(v: unknown): EvidenceGrid | null {
  if (!v || typeof v !== 'object') return null;
  const m = v as Record<string, unknown>;
  const { rows, cols, values, label } = m;
  if (typeof rows !== 'number' || typeof cols !== 'number') return null;
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 1 || cols < 1) return null;
  if (rows > MAX_SIDE || cols > MAX_SIDE) return null;
  if (!Array.isArray(values) || values.length !== rows * cols) return null;
  if (!values.every((x): x is number => typeof x === 'number' && Number.isFinite(x))) return null;
  return { rows, cols, values, label: typeof label === 'string' ? label : '' };
}

/**
 * The map to draw: the chosen step's own map (a recursive head's refinement step) when it has a usable one,
 * else the answer's.
 */
export function evidenceToShow(
  answer: unknown,
  steps: readonly { evidence?: unknown }[] | null | undefined,
  stepIndex: number | null,
): EvidenceGrid | null {
  const step = stepIndex === null ? undefined : steps?.[stepIndex];
  return (step && readEvidence(step.evidence)) ?? readEvidence(answer);
}

export function scaleFor(values: readonly number[]): EvidenceScale {
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (!Number.isFinite(min)) return { kind: 'sequential', zero: 0, max: 0, min: 0 };
  if (min < 0 && max > 0) {
    const m = Math.max(-min, max);
    return { kind: 'diverging', zero: 0, max: m, min: -m };
  }
  return { kind: 'sequential', zero: min, max, min };
}

/** Where `v` sits on the scale: 0..1 sequential; -1..1 diverging (sign = for/against). */
export function position(v: number, s: EvidenceScale): number {
  if (s.kind === 'diverging') return s.max === 0 ? 0 : clamp(v / s.max, -1, 1);
  const span = s.max - s.min;
  // A flat map says nothing about where: draw it faintly everywhere rather than not at all.
  if (span === 0) return 0.5;
  return clamp((v - s.min) / span, 0, 1);
}

// Colour stops (position 0..1 → RGB) of each side; alpha grows with |position| so weak cells show the image.
const SUPPORT: readonly (readonly [number, number, number, number])[] = [
  [0, 255, 237, 160],
  [0.5, 254, 128, 40],
  [1, 220, 20, 30],
];
const AGAINST: readonly (readonly [number, number, number, number])[] = [
  [0, 200, 230, 255],
  [0.5, 80, 150, 240],
  [1, 30, 60, 200],
];
/** The strongest cells' opacity (the image stays visible under the peak). */
export const MAX_ALPHA = 0.7;

/** The colour of a scale position (see `position`). */
export function colourAt(p: number): Rgba {
  const t = Math.min(1, Math.abs(p));
  const [r, g, b] = interpolate(p < 0 ? AGAINST : SUPPORT, t);
  return [r, g, b, Math.round(MAX_ALPHA * t * 1000) / 1000];
}

export function colourOf(v: number, s: EvidenceScale): Rgba {
  return colourAt(position(v, s));
}

export function cssColour([r, g, b, a]: Rgba): string {
  return `rgba(${r}, ${g}, ${b}, ${a})`;
}

function interpolate(stops: readonly (readonly [number, number, number, number])[], t: number) {
  for (let i = 1; i < stops.length; i++) {
    const a = stops[i - 1]!;
    const b = stops[i]!;
    if (t <= b[0]) {
      const k = (t - a[0]) / (b[0] - a[0]);
      return [0, 1, 2].map((c) => Math.round(a[c + 1]! + (b[c + 1]! - a[c + 1]!) * k)) as [
        number,
        number,
        number,
      ];
    }
  }
  const last = stops[stops.length - 1]!;
  return [last[1], last[2], last[3]] as [number, number, number];
}

/**
 * The pixel rectangle of cell (row, col) on a width × height canvas: edges are rounded from the exact
 * fractions, so neighbouring cells share their edge (no gaps, no overlaps) and the grid spans the canvas.
 */
export function cellRect(
  row: number,
  col: number,
  grid: { rows: number; cols: number },
  width: number,
  height: number,
): CellRect {
  const x0 = Math.round((col * width) / grid.cols);
  const x1 = Math.round(((col + 1) * width) / grid.cols);
  const y0 = Math.round((row * height) / grid.rows);
  const y1 = Math.round(((row + 1) * height) / grid.rows);
  return { x: x0, y: y0, w: x1 - x0, h: y1 - y0 };
}

/** The cell under a point given as fractions of the image (0..1, origin top-left). */
export function cellAt(
  fx: number,
  fy: number,
  grid: { rows: number; cols: number },
): { row: number; col: number } {
  return {
    row: clamp(Math.floor(fy * grid.rows), 0, grid.rows - 1),
    col: clamp(Math.floor(fx * grid.cols), 0, grid.cols - 1),
  };
}

/** The cell with the largest value (the first one on ties, reading order). */
export function peakCell(grid: EvidenceGrid): { row: number; col: number; value: number } {
  let best = 0;
  for (let i = 1; i < grid.values.length; i++) if (grid.values[i]! > grid.values[best]!) best = i;
  return { row: Math.floor(best / grid.cols), col: best % grid.cols, value: grid.values[best] ?? 0 };
}

/** The centre of a cell as fractions of the image. */
export function cellCentre(cell: { row: number; col: number }, grid: { rows: number; cols: number }) {
  return { x: (cell.col + 0.5) / grid.cols, y: (cell.row + 0.5) / grid.rows };
}

export interface Legend {
  /** A CSS gradient from the low end to the high end, in the colours the overlay draws (opacity included). */
  gradient: string;
  low: string;
  high: string;
}

/** The legend of a scale: the colour ramp and what its ends mean for `label`. */
export function legendFor(s: EvidenceScale, label: string): Legend {
  const positions =
    s.kind === 'diverging' ? [-1, -0.75, -0.5, -0.25, 0, 0.25, 0.5, 0.75, 1] : [0, 0.25, 0.5, 0.75, 1];
  const stops = positions.map(
    (p, i) => `${cssColour(colourAt(p))} ${Math.round((i / (positions.length - 1)) * 100)}%`,
  );
  const gradient = `linear-gradient(to right, ${stops.join(', ')})`;
  return s.kind === 'diverging'
    ? { gradient, low: `against ${label}`, high: `for ${label}` }
    : { gradient, low: 'least', high: `most ${label}` };
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}
