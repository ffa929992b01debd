import { describe, expect, it } from 'vitest';
import {
  boxFromPoints,
  clampView,
  isTinyBox,
  panBy,
  roundBox,
  toNormalised,
  toPixels,
  zoomAt,
  MAX_SCALE,
} from './geometry';

const rect = { left: 100, top: 50, width: 400, height: 200 };
const container = { width: 400, height: 200 };

describe('box geometry', () => {
  it('normalises client points onto the image and clamps outside points', () => {
    expect(toNormalised({ x: 300, y: 150 }, rect)).toEqual({ x: 0.5, y: 0.5 });
    expect(toNormalised({ x: 0, y: 1000 }, rect)).toEqual({ x: 0, y: 1 });
    expect(toNormalised({ x: 10, y: 10 }, { left: 0, top: 0, width: 0, height: 0 })).toEqual({ x: 0, y: 0 });
  });

  it('builds a box from a drag in any direction', () => {
    const b = boxFromPoints({ x: 0.8, y: 0.9 }, { x: 0.2, y: 0.1 });
    expect(b).toEqual({ left: 0.2, top: 0.1, right: 0.8, bottom: 0.9 });
    expect(isTinyBox(b)).toBe(false);
    expect(isTinyBox(boxFromPoints({ x: 0.5, y: 0.5 }, { x: 0.505, y: 0.9 }))).toBe(true);
  });

  it('round-trips through pixels', () => {
    const b = { left: 0.25, top: 0.5, right: 0.75, bottom: 1 };
    expect(toPixels(b, rect)).toEqual({ left: 200, top: 150, width: 200, height: 100 });
    expect(roundBox({ left: 0.123456, top: 0, right: 0.99999, bottom: 1 })).toEqual({
      left: 0.1235,
      top: 0,
      right: 1,
      bottom: 1,
    });
  });
});

describe('zoom and pan', () => {
  it('keeps the point under the cursor fixed while zooming', () => {
    const v = zoomAt({ scale: 1, x: 0, y: 0 }, 2, { x: 100, y: 50 }, container);
    expect(v.scale).toBe(2);
    // Content point under the cursor before: (100, 50); after: (100 - x) / scale.
    expect((100 - v.x) / v.scale).toBeCloseTo(100);
    expect((50 - v.y) / v.scale).toBeCloseTo(50);
  });

  it('bounds the scale and keeps the image covering the container', () => {
    expect(zoomAt({ scale: 6, x: 0, y: 0 }, 10, { x: 0, y: 0 }, container).scale).toBe(MAX_SCALE);
    expect(zoomAt({ scale: 2, x: -100, y: -50 }, 0.1, { x: 0, y: 0 }, container)).toEqual({
      scale: 1,
      x: 0,
      y: 0,
    });
    expect(panBy({ scale: 2, x: 0, y: 0 }, 50, 50, container)).toEqual({ scale: 2, x: 0, y: 0 });
    expect(panBy({ scale: 2, x: 0, y: 0 }, -1000, -30, container)).toEqual({ scale: 2, x: -400, y: -30 });
    expect(clampView({ scale: 1, x: -5, y: 5 }, container)).toEqual({ scale: 1, x: 0, y: 0 });
  });
});
