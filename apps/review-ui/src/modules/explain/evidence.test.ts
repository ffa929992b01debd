import { describe, expect, it } from 'vitest';
import {
  MAX_ALPHA,
  cellAt,
  cellCentre,
  cellRect,
  colourAt,
  colourOf,
  evidenceToShow,
  legendFor,
  peakCell,
  position,
  readEvidence,
  scaleFor,
} from './evidence';

describe('reading an evidence map', () => {
  it("draws a chosen step's own map, else the answer's", () => {
    const answer = { rows: 1, cols: 2, values: [0, 1], label: 'YES' };
    const step = { rows: 1, cols: 1, values: [1], label: 'YES' };
    const steps = [{}, { evidence: step }, { evidence: { rows: 2, cols: 2, values: [1], label: 'x' } }];
    expect(evidenceToShow(answer, steps, null)).toEqual(answer);
    expect(evidenceToShow(answer, steps, 1)).toEqual(step);
    expect(evidenceToShow(answer, steps, 0)).toEqual(answer);
    expect(evidenceToShow(answer, steps, 2)).toEqual(answer);
    expect(evidenceToShow(null, steps, 9)).toBeNull();
  });

  it('accepts rows × cols finite numbers and refuses anything else', () => {
    const ok = { rows: 2, cols: 3, values: [1, 2, 3, 4, 5, 6], label: 'YES' };
    expect(readEvidence(ok)).toEqual(ok);
    expect(readEvidence({ ...ok, values: [1, 2, 3] })).toBeNull();
    expect(readEvidence({ ...ok, values: [1, 2, 3, 4, 5, Number.NaN] })).toBeNull();
    expect(readEvidence({ ...ok, rows: 0, values: [] })).toBeNull();
    expect(readEvidence({ ...ok, rows: 1.5 })).toBeNull();
    expect(readEvidence({ rows: 65, cols: 1, values: Array(65).fill(0), label: 'x' })).toBeNull();
    expect(readEvidence(null)).toBeNull();
    expect(readEvidence({ rows: 1, cols: 1, values: [0] })).toEqual({
      rows: 1,
      cols: 1,
      values: [0],
      label: '',
    });
  });
});

describe('the colour scale', () => {
  it('diverges about 0 with the same magnitude on both sides when values have both signs', () => {
    const s = scaleFor([-1, 0.5, 4]);
    expect(s).toEqual({ kind: 'diverging', zero: 0, max: 4, min: -4 });
    expect(position(4, s)).toBe(1);
    expect(position(-1, s)).toBe(-0.25);
    expect(position(0, s)).toBe(0);
  });

  it('is sequential from the minimum when values have one sign', () => {
    const s = scaleFor([2, 3, 6]);
    expect(s.kind).toBe('sequential');
    expect(position(2, s)).toBe(0);
    expect(position(4, s)).toBe(0.5);
    expect(position(6, s)).toBe(1);
    // A flat map is drawn faintly everywhere, not hidden.
    expect(position(1, scaleFor([1, 1]))).toBe(0.5);
  });

  it('is transparent at zero support, most opaque and red at the peak, blue against', () => {
    expect(colourAt(0)[3]).toBe(0);
    const peak = colourAt(1);
    expect(peak[3]).toBe(MAX_ALPHA);
    expect(peak[0]).toBeGreaterThan(200);
    expect(peak[2]).toBeLessThan(60);
    const against = colourAt(-1);
    expect(against[3]).toBe(MAX_ALPHA);
    expect(against[2]).toBeGreaterThan(against[0]);
    // Opacity grows with support.
    const s = scaleFor([0, 1, 2, 3]);
    const alphas = [0, 1, 2, 3].map((v) => colourOf(v, s)[3]);
    expect(alphas).toEqual([...alphas].sort((a, b) => a - b));
    expect(new Set(alphas).size).toBe(4);
  });

  it('has a legend naming what each end means', () => {
    const div = legendFor(scaleFor([-1, 1]), 'YES');
    expect(div).toMatchObject({ low: 'against YES', high: 'for YES' });
    expect(div.gradient).toMatch(/^linear-gradient\(to right, rgba/);
    expect(div.gradient).toContain('100%');
    expect(legendFor(scaleFor([0, 1]), 'YES')).toMatchObject({ low: 'least', high: 'most YES' });
  });
});

describe('cell geometry', () => {
  it('tiles the canvas with no gaps or overlaps, row-major, top row first', () => {
    const grid = { rows: 3, cols: 7 };
    const [w, h] = [500, 301];
    let area = 0;
    for (let r = 0; r < grid.rows; r++) {
      for (let c = 0; c < grid.cols; c++) {
        const cell = cellRect(r, c, grid, w, h);
        area += cell.w * cell.h;
        if (c > 0) {
          const left = cellRect(r, c - 1, grid, w, h);
          expect(left.x + left.w).toBe(cell.x);
        }
        if (r > 0) {
          const up = cellRect(r - 1, c, grid, w, h);
          expect(up.y + up.h).toBe(cell.y);
        }
      }
    }
    expect(area).toBe(w * h);
    expect(cellRect(0, 0, grid, w, h)).toMatchObject({ x: 0, y: 0 });
    const last = cellRect(2, 6, grid, w, h);
    expect([last.x + last.w, last.y + last.h]).toEqual([w, h]);
  });

  it('finds the peak cell and maps points to cells and back', () => {
    const grid = { rows: 2, cols: 3, values: [0, 1, 2, 3, 9, 9], label: 'YES' };
    expect(peakCell(grid)).toEqual({ row: 1, col: 1, value: 9 });
    expect(cellCentre({ row: 1, col: 1 }, grid)).toEqual({ x: 0.5, y: 0.75 });
    expect(cellAt(0.5, 0.75, grid)).toEqual({ row: 1, col: 1 });
    expect(cellAt(1, 1, grid)).toEqual({ row: 1, col: 2 });
    expect(cellAt(-0.1, 0, grid)).toEqual({ row: 0, col: 0 });
  });
});
