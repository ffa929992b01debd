/**
 * The evidence map as a heat map on a canvas over the image. It sits in the viewer's zoomed content box,
 * which is exactly the fitted image, so cells stay on the patches they describe through zoom and pan. Crisp
 * cells, not a smoothed blur: the map is per patch and the reviewer should see that.
 */
import { useEffect, useMemo, useRef } from 'react';
import { cellRect, colourOf, cssColour, peakCell, scaleFor, type EvidenceGrid } from './evidence';

export function EvidenceOverlay({
  grid,
  width,
  height,
}: {
  grid: EvidenceGrid;
  width: number;
  height: number;
}) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const scale = useMemo(() => scaleFor(grid.values), [grid]);
  const peak = useMemo(() => peakCell(grid), [grid]);
  // Device pixels, so cell edges are sharp on high-density screens.
  const dpr = typeof window === 'undefined' ? 1 : Math.min(window.devicePixelRatio || 1, 2);
  const w = Math.max(1, Math.round(width * dpr));
  const h = Math.max(1, Math.round(height * dpr));

  useEffect(() => {
    const g = canvas.current?.getContext('2d');
    if (!g) return;
    g.clearRect(0, 0, w, h);
    for (let r = 0; r < grid.rows; r++) {
      for (let c = 0; c < grid.cols; c++) {
        const colour = colourOf(grid.values[r * grid.cols + c] ?? 0, scale);
        if (colour[3] === 0) continue;
        const cell = cellRect(r, c, grid, w, h);
        g.fillStyle = cssColour(colour);
        g.fillRect(cell.x, cell.y, cell.w, cell.h);
      }
    }
  }, [grid, scale, w, h]);

  return (
    <canvas
      ref={canvas}
      className="evidence-canvas"
      width={w}
      height={h}
      data-testid="evidence-canvas"
      data-rows={grid.rows}
      data-cols={grid.cols}
      data-peak={`${peak.row},${peak.col}`}
      aria-label={`Evidence for ${grid.label}: ${grid.rows} by ${grid.cols} map, strongest at row ${peak.row + 1}, column ${peak.col + 1}`}
      role="img"
    />
  );
}
