import { Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { latencyBetween, snapshotOf, type HistogramSnapshot } from './latency-window';

const snap = (buckets: [number, number][], count: number, sum: number): HistogramSnapshot => ({
  buckets: new Map(buckets),
  count,
  sum,
});

describe('latencyBetween', () => {
  it.each<[string, HistogramSnapshot | null, HistogramSnapshot, ReturnType<typeof latencyBetween>]>([
    [
      'no answers in the interval',
      snap(
        [
          [0.01, 2],
          [Infinity, 2],
        ],
        2,
        0.01,
      ),
      snap(
        [
          [0.01, 2],
          [Infinity, 2],
        ],
        2,
        0.01,
      ),
      { count: 0, meanMs: null, p50Ms: null, p95Ms: null },
    ],
    [
      'the first heartbeat counts everything so far',
      null,
      snap(
        [
          [0.01, 4],
          [0.1, 4],
          [Infinity, 4],
        ],
        4,
        0.02,
      ),
      { count: 4, meanMs: 5, p50Ms: 5, p95Ms: 9.5 },
    ],
    [
      'only the interval since the previous snapshot',
      snap(
        [
          [0.01, 4],
          [0.1, 4],
          [Infinity, 4],
        ],
        4,
        0.02,
      ),
      snap(
        [
          [0.01, 4],
          [0.1, 6],
          [Infinity, 6],
        ],
        6,
        0.12,
      ),
      { count: 2, meanMs: 50, p50Ms: 55, p95Ms: 95.5 },
    ],
    [
      'a counter reset (restart) starts over',
      snap(
        [
          [0.01, 9],
          [Infinity, 9],
        ],
        9,
        0.05,
      ),
      snap(
        [
          [0.01, 1],
          [Infinity, 1],
        ],
        1,
        0.004,
      ),
      { count: 1, meanMs: 4, p50Ms: 5, p95Ms: 9.5 },
    ],
    [
      'answers beyond the last bucket report its bound',
      null,
      snap(
        [
          [0.01, 0],
          [Infinity, 2],
        ],
        2,
        30,
      ),
      { count: 2, meanMs: 15000, p50Ms: 10, p95Ms: 10 },
    ],
  ])('%s', (_, prev, now, expected) => {
    expect(latencyBetween(prev, now)).toEqual(expected);
  });
});

describe('snapshotOf', () => {
  it("sums prom-client's histogram over every label set", async () => {
    const registry = new Registry();
    const h = new Histogram({
      name: 'x_seconds',
      help: 'x',
      labelNames: ['answered_by'],
      buckets: [0.01, 0.1],
      registers: [registry],
    });
    h.observe({ answered_by: 'edge' }, 0.005);
    h.observe({ answered_by: 'cloud' }, 0.05);
    const s = snapshotOf((await h.get()).values);
    expect(s.count).toBe(2);
    expect(s.sum).toBeCloseTo(0.055, 10);
    expect([...s.buckets]).toEqual([
      [0.01, 1],
      [0.1, 2],
      [Infinity, 2],
    ]);
  });
});
