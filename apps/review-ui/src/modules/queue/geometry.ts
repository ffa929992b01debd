/**
 * Geometry of the zoomable image and the boxes drawn on it. Boxes are stored normalised to the image
 * (0..1 on both axes, origin top-left), so they do not depend on zoom, pan or screen size.
 */

export interface Point {
  x: number;
  y: number;
}

/** A box in normalised image coordinates. */
export interface NormBox {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

/** Where the image is drawn on screen (client pixels). */
export interface ImageRect {
  left: number;
  top: number;
  width: number;
  height: number;
}

export interface View {
  scale: number;
  /** Translation in container pixels, applied after scaling about the container's top-left. */
  x: number;
  y: number;
}

export const MIN_SCALE = 1;
export const MAX_SCALE = 8;

const clamp01 = (v: number): number => Math.min(1, Math.max(0, v));

/** A client-pixel point as a normalised image point (clamped onto the image). */
export function toNormalised(p: Point, rect: ImageRect): Point {
  if (rect.width <= 0 || rect.height <= 0) return { x: 0, y: 0 };
  return { x: clamp01((p.x - rect.left) / rect.width), y: clamp01((p.y - rect.top) / rect.height) };
}

/** The box spanned by two normalised points, whichever way the drag went. */
export function boxFromPoints(a: Point, b: Point): NormBox {
  return {
    left: clamp01(Math.min(a.x, b.x)),
    top: clamp01(Math.min(a.y, b.y)),
    right: clamp01(Math.max(a.x, b.x)),
    bottom: clamp01(Math.max(a.y, b.y)),
  };
}

/** Too small to be meant (a click, not a drag): under `min` of the image on either side. */
export function isTinyBox(box: NormBox, min = 0.01): boolean {
  return box.right - box.left < min || box.bottom - box.top < min;
}

/** The box in client pixels, for drawing over an image at `rect`. */
export function toPixels(box: NormBox, rect: ImageRect): ImageRect {
  return {
    left: rect.left + box.left * rect.width,
    top: rect.top + box.top * rect.height,
    width: (box.right - box.left) * rect.width,
    height: (box.bottom - box.top) * rect.height,
  };
}

/** Rounds a box to 4 decimals for the wire (sub-pixel noise is not information). */
export function roundBox(box: NormBox): NormBox {
  const r = (v: number): number => Math.round(v * 10_000) / 10_000;
  return { left: r(box.left), top: r(box.top), right: r(box.right), bottom: r(box.bottom) };
}

/**
 * Zoom by `factor` keeping the container point `at` fixed under the cursor; scale stays within
 * [MIN_SCALE, MAX_SCALE] and the image stays inside the container (see `clampView`).
 */
export function zoomAt(
  view: View,
  factor: number,
  at: Point,
  container: { width: number; height: number },
): View {
  const scale = Math.min(MAX_SCALE, Math.max(MIN_SCALE, view.scale * factor));
  const k = scale / view.scale;
  return clampView({ scale, x: at.x - (at.x - view.x) * k, y: at.y - (at.y - view.y) * k }, container);
}

/** Pans by a drag delta. */
export function panBy(
  view: View,
  dx: number,
  dy: number,
  container: { width: number; height: number },
): View {
  return clampView({ ...view, x: view.x + dx, y: view.y + dy }, container);
}

/** Keeps the scaled content covering the container: no blank margin can be dragged into view. */
export function clampView(view: View, container: { width: number; height: number }): View {
  const minX = container.width - container.width * view.scale;
  const minY = container.height - container.height * view.scale;
  return {
    scale: view.scale,
    x: Math.min(0, Math.max(minX, view.x)),
    y: Math.min(0, Math.max(minY, view.y)),
  };
}

/** Distance between two touches, for pinch zoom. */
export function distance(a: Point, b: Point): number {
  return Math.hypot(a.x - b.x, a.y - b.y);
}

export function midpoint(a: Point, b: Point): Point {
  return { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 };
}
