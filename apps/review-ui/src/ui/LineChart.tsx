/** A small multi-series SVG line chart (no chart library: a few paths, axes labels, and points). */
import { extent, linear, linePath, type SeriesPoint } from './chart';
import { useWidth } from './useWidth';

export interface Series {
  name: string;
  className: string;
  points: SeriesPoint[];
}

interface Props {
  title: string;
  series: Series[];
  /** Fixed y range (for rates: [0, 1]); otherwise the data's extent. */
  yDomain?: [number, number];
  formatY: (v: number) => string;
  formatX: (v: number) => string;
  height?: number;
}

const PAD = { l: 40, r: 10, t: 10, b: 22 };

export function LineChart({ title, series, yDomain, formatY, formatX, height = 140 }: Props) {
  const [ref, W] = useWidth<HTMLElement>(320);
  const all = series.flatMap((s) => s.points);
  if (all.length === 0) {
    return (
      <figure className="chart chart-empty" ref={ref}>
        <figcaption>{title}</figcaption>
        <p className="muted small">No data yet.</p>
      </figure>
    );
  }
  const [x0, x1] = extent(all.map((p) => p.x));
  const [y0, y1] = yDomain ?? extent(all.map((p) => p.y));
  const sx = linear(x0, x1, PAD.l, W - PAD.r);
  const sy = linear(y0, y1, height - PAD.b, PAD.t);
  return (
    <figure className="chart" ref={ref}>
      <figcaption>
        {title}
        <span className="legend">
          {series.map((s) => (
            <span key={s.name} className={`legend-item ${s.className}`}>
              {s.name}
            </span>
          ))}
        </span>
      </figcaption>
      <svg viewBox={`0 0 ${W} ${height}`} role="img" aria-label={title} width={W} height={height}>
        <line className="axis" x1={PAD.l} x2={W - PAD.r} y1={height - PAD.b} y2={height - PAD.b} />
        <line className="axis" x1={PAD.l} x2={PAD.l} y1={PAD.t} y2={height - PAD.b} />
        <text className="tick" x={PAD.l - 4} y={sy(y1) + 4} textAnchor="end">
          {formatY(y1)}
        </text>
        <text className="tick" x={PAD.l - 4} y={sy(y0)} textAnchor="end">
          {formatY(y0)}
        </text>
        <text className="tick" x={sx(x0)} y={height - 6} textAnchor="start">
          {formatX(x0)}
        </text>
        {x1 !== x0 ? (
          <text className="tick" x={sx(x1)} y={height - 6} textAnchor="end">
            {formatX(x1)}
          </text>
        ) : null}
        {series.map((s) =>
          s.points.length ? (
            <g key={s.name} className={s.className}>
              <path className="line" d={linePath(s.points, sx, sy)} />
              {s.points.map((p) => (
                <circle key={`${p.x}-${p.y}`} className="dot" cx={sx(p.x)} cy={sy(p.y)} r={3}>
                  <title>
                    {s.name}: {formatY(p.y)} at {formatX(p.x)}
                  </title>
                </circle>
              ))}
            </g>
          ) : null,
        )}
      </svg>
    </figure>
  );
}
