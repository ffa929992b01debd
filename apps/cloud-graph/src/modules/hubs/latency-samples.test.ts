import { describe, expect, it } from 'vitest';
import { appendLatencySample, latencyReportProblem, type LatencyReport } from './latency-samples';

const ok: LatencyReport = { count: 3, meanMs: 12, p50Ms: 10, p95Ms: 30 };

describe('latencyReportProblem', () => {
  it.each<[string, LatencyReport, string | null]>([
    ['a full report', ok, null],
    ['an idle interval', { count: 0, meanMs: null, p50Ms: null, p95Ms: null }, null],
    ['a fractional count', { ...ok, count: 1.5 }, 'latency.count must be a whole number ≥ 0'],
    ['a negative count', { ...ok, count: -1 }, 'latency.count must be a whole number ≥ 0'],
    ['a negative time', { ...ok, p95Ms: -2 }, 'latency.p95Ms must be a finite number ≥ 0'],
    ['an infinite time', { ...ok, meanMs: Infinity }, 'latency.meanMs must be a finite number ≥ 0'],
    [
      'times without answers',
      { count: 0, meanMs: 1, p50Ms: null, p95Ms: null },
      'latency.meanMs must be null when count is 0',
    ],
  ])('%s', (_, report, problem) => {
    expect(latencyReportProblem(report)).toBe(problem);
  });
});

describe('appendLatencySample', () => {
  it('appends at the given time and keeps the newest `max`', () => {
    const at = (i: number) => new Date(Date.UTC(2026, 11, 2, 0, i));
    let samples = appendLatencySample([], ok, at(0), 3);
    for (let i = 1; i <= 4; i++) samples = appendLatencySample(samples, { ...ok, count: i }, at(i), 3);
    expect(samples.map((s) => s.count)).toEqual([2, 3, 4]);
    expect(samples[2]).toEqual({ at: at(4).toISOString(), count: 4, meanMs: 12, p50Ms: 10, p95Ms: 30 });
  });
});
