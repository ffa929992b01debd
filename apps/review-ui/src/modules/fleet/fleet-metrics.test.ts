import { describe, expect, it } from 'vitest';
import { addSample, asCounters, escalationRate, latencyMs, latencyPoints, ratePoints } from './fleet-metrics';

describe('fleet metrics', () => {
  it('keeps numeric counters only', () => {
    expect(asCounters({ a: 1, b: 'x', c: Number.NaN })).toEqual({ a: 1 });
    expect(asCounters(null)).toEqual({});
  });

  it('computes lifetime escalation rate and latency by known names', () => {
    expect(escalationRate({ image_queries_total: 200, escalations_total: 50 })).toBe(0.25);
    expect(escalationRate({ image_queries_total: 0, escalations_total: 0 })).toBeNull();
    expect(
      escalationRate({ edge_image_queries_total: 40, edge_escalations_total: 10, outbox_pending: 3 }),
    ).toBe(0.25);
    expect(escalationRate({})).toBeNull();
    expect(latencyMs({ latency_ms_p50: 12 })).toBe(12);
  });

  it('rates between heartbeats from counter differences', () => {
    const pts = ratePoints([
      { at: 2000, counters: { image_queries_total: 150, escalations_total: 20, latency_ms_p50: 9 } },
      { at: 1000, counters: { image_queries_total: 100, escalations_total: 10, latency_ms_p50: 8 } },
      { at: 3000, counters: { image_queries_total: 150, escalations_total: 20 } },
    ]);
    expect(pts.map((p) => p.at)).toEqual([1000, 2000, 3000]);
    expect(pts[0]!.escalationRate).toBe(0.1);
    expect(pts[1]!.escalationRate).toBe(0.2);
    expect(pts[1]!.latencyMs).toBe(9);
    expect(pts[2]!.escalationRate).toBeNull();
  });

  it('keeps a bounded history without duplicates', () => {
    let h = addSample([], { at: 1, counters: {} });
    h = addSample(h, { at: 1, counters: {} });
    h = addSample(h, { at: 0, counters: {} });
    expect(h.map((s) => s.at)).toEqual([0, 1]);
    expect(addSample(h, { at: 2, counters: {} }, 2).map((s) => s.at)).toEqual([1, 2]);
  });

  it.each([
    [
      'samples, oldest first, empty intervals without latency',
      [
        { at: '2026-12-02T10:01:00Z', count: 4, p50Ms: 21 },
        { at: '2026-12-02T10:00:00Z', count: 0, p50Ms: null },
      ],
      [
        { at: Date.parse('2026-12-02T10:00:00Z'), escalationRate: null, latencyMs: null },
        { at: Date.parse('2026-12-02T10:01:00Z'), escalationRate: null, latencyMs: 21 },
      ],
    ],
    ["no samples: the counters' points", [], [{ at: 5, escalationRate: 0.5, latencyMs: 9 }]],
  ] as const)('latency points from %s', (_what, samples, expected) => {
    expect(latencyPoints(samples, [{ at: 5, escalationRate: 0.5, latencyMs: 9 }])).toEqual(expected);
  });
});
