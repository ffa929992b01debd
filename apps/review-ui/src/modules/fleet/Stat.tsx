import { percent } from '../../ui/format';
import { LineChart } from '../../ui/LineChart';
import type { RatePoint } from './fleet-metrics';

interface ChartSpec {
  title: string;
  /** The series' name in the legend. */
  legend: string;
  /** The series' CSS class (its colour). */
  className: string;
  /** The value of one heartbeat interval; null where it has none (no queries in the interval). */
  value: (p: RatePoint) => number | null;
  yDomain?: [number, number];
  format: (y: number) => string;
}

/** The hub metrics the fleet page charts, by name. */
const HUB_CHARTS: Record<'escalation' | 'latency', ChartSpec> = {
  escalation: {
    title: 'Escalation rate',
    legend: 'escalated',
    className: 's-escalation',
    value: (p) => p.escalationRate,
    yDomain: [0, 1],
    format: (y) => percent(y),
  },
  latency: { title: 'Latency', legend: 'ms', className: 's-latency', value: (p) => p.latencyMs, format: ms },
};

function ms(y: number): string {
  return `${Math.round(y)} ms`;
}

/** One hub metric over time, from its heartbeat intervals. */
export function Stat({ chart, points }: { chart: keyof typeof HUB_CHARTS; points: readonly RatePoint[] }) {
  const { title, legend, className, value, yDomain, format } = HUB_CHARTS[chart];
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
