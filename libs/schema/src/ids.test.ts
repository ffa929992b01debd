import { describe, expect, it } from 'vitest';
import {
  DETECTOR_ID_PATTERN,
  IMAGE_QUERY_ID_PATTERN,
  idTimestamp,
  isDetectorId,
  ksuidBody,
  newId,
} from './ids';

describe('ids', () => {
  it('have the Groundlight shape: prefix + 27 base62 characters', () => {
    expect(newId('detector')).toMatch(DETECTOR_ID_PATTERN);
    expect(newId('imageQuery')).toMatch(IMAGE_QUERY_ID_PATTERN);
    expect(ksuidBody()).toHaveLength(27);
  });

  it('sort by creation time as plain strings', () => {
    const times = [1_700_000_000_000, 1_700_000_000_004, 1_700_000_001_000, 1_800_000_000_000];
    // The largest random part at the earliest time must still sort first.
    const ids = times.map((t, i) =>
      newId('imageQuery', { now: () => t, random: (n) => new Uint8Array(n).fill(i === 0 ? 255 : 0) }),
    );
    expect([...ids].sort()).toEqual(ids);
  });

  it('encode their creation time to 4 ms', () => {
    const t = Date.UTC(2026, 10, 27, 12, 0, 0, 123);
    expect(idTimestamp(newId('detector', { now: () => t }))?.getTime()).toBe(t - (t % 4));
    expect(idTimestamp('det_short')).toBeNull();
  });

  it('are unique under a burst', () => {
    const ids = new Set(Array.from({ length: 10_000 }, () => newId('imageQuery')));
    expect(ids.size).toBe(10_000);
  });

  it.each([
    ['det_' + 'a'.repeat(27), true],
    ['det_' + 'a'.repeat(26), false],
    ['det_' + 'a'.repeat(26) + '-', false],
    ['iq_' + 'a'.repeat(27), false],
  ])('isDetectorId(%s) is %s', (id, ok) => {
    expect(isDetectorId(id)).toBe(ok);
  });
});
