import { LineChart } from '../../ui/LineChart';
import type { RatePoint } from './fleet-metrics';

interface Props {
  title: string;
  /** The series' name in the legend. */
  legend: string;
  /** The series' CSS class (its colour). */
  className: string;
  points: readonly RatePoint[];
  /** The value of one heartbeat interval; null where it has none (no queries in the interval). */
  value: (p: RatePoint) => number | null;
  yDomain?: [number, number];
  format: (y: number) => string;
}

/** One hub metric over time, from its heartbeat intervals. */
export function Stat({ title, legend, className, points, value, yDomain, format }: Props) {
  const series = points.flatMap((p) => {
    const y = value(p);
    return y === null ? [] : [{ x: p.at, y }];
  });
  return (
    <LineChart
      title={title}
      series={[{ name: legend, className, points: series }]}
      {...(yDomain ? { yDomain } : {})}
      formatY={format}
      formatX={(x) => new Date(x).toLocaleTimeString()}
      height={110}
    />
  );
}
