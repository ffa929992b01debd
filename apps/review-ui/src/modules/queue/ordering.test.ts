import { describe, expect, it } from 'vitest';
import {
  compareQueue,
  countsByDetector,
  describeDeadline,
  formatDuration,
  mergeQueue,
  nextIndexAfterRemoval,
  stepIndex,
  withoutIds,
  type QueueEntry,
} from './ordering';

const e = (id: string, deadlineAt: string | null, extra: Partial<QueueEntry> = {}): QueueEntry => ({
  id,
  detectorId: 'det_a',
  deadlineAt,
  createdAt: '2026-01-01T00:00:00.000Z',
  state: 'QUEUED',
  ...extra,
});

describe('queue ordering', () => {
  it('orders by deadline, no deadline last, then creation time, then id', () => {
    const items = [
      e('c', null),
      e('b', '2026-01-01T00:05:00Z'),
      e('a', '2026-01-01T00:01:00Z'),
      e('e', '2026-01-01T00:05:00Z', { createdAt: '2025-12-31T00:00:00Z' }),
      e('d', '2026-01-01T00:05:00Z'),
    ];
    expect([...items].sort(compareQueue).map((i) => i.id)).toEqual(['a', 'e', 'b', 'd', 'c']);
  });

  it('merges live events: new items slot in by deadline, updates replace, closed items drop out', () => {
    const current = [e('a', '2026-01-01T00:01:00Z'), e('b', '2026-01-01T00:09:00Z')];
    const merged = mergeQueue(current, [
      e('n', '2026-01-01T00:03:00Z'),
      e('a', '2026-01-01T00:01:00Z', { state: 'CLAIMED' }),
      e('b', '2026-01-01T00:09:00Z', { state: 'LABELED' }),
    ]);
    expect(merged.map((i) => [i.id, i.state])).toEqual([
      ['a', 'CLAIMED'],
      ['n', 'QUEUED'],
    ]);
    expect(mergeQueue(merged, [e('n', '2026-01-01T00:03:00Z')])).toHaveLength(2);
  });

  it('removes ids handled locally and counts per detector', () => {
    const items = [e('a', null), e('b', null, { detectorId: 'det_b' }), e('c', null)];
    expect(withoutIds(items, new Set(['a'])).map((i) => i.id)).toEqual(['b', 'c']);
    expect(Object.fromEntries(countsByDetector(items))).toEqual({ det_a: 2, det_b: 1 });
  });

  it('keeps the cursor in range', () => {
    expect(nextIndexAfterRemoval(0, 3)).toBe(0);
    expect(nextIndexAfterRemoval(3, 3)).toBe(2);
    expect(nextIndexAfterRemoval(3, 1)).toBe(1);
    expect(stepIndex(0, -1, 5)).toBe(0);
    expect(stepIndex(4, 1, 5)).toBe(4);
    expect(stepIndex(2, 1, 5)).toBe(3);
  });
});

describe('deadlines', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  it('describes time left with an urgency', () => {
    expect(describeDeadline('2026-01-01T00:04:05Z', now)).toEqual({ text: '4m 05s', urgency: 'ok' });
    expect(describeDeadline('2026-01-01T00:00:30Z', now)).toEqual({ text: '30s', urgency: 'soon' });
    expect(describeDeadline('2025-12-31T23:59:48Z', now)).toEqual({
      text: 'overdue 12s',
      urgency: 'overdue',
    });
    expect(describeDeadline(null, now)).toEqual({ text: 'no deadline', urgency: 'none' });
    expect(formatDuration(2 * 3600_000 + 5 * 60_000)).toBe('2h 05m');
  });
});
