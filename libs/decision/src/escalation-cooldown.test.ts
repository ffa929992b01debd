import { describe, expect, it } from 'vitest';
import { EscalationCooldowns, cooldownAllows } from './escalation-cooldown';

describe('cooldownAllows', () => {
  it.each([
    ['never escalated', undefined, 1_000, 2, true],
    ['just escalated', 1_000, 1_000, 2, false],
    ['1.999 s ago', 1_000, 2_999, 2, false],
    ['exactly the cooldown ago', 1_000, 3_000, 2, true],
    ['long ago', 1_000, 60_000, 2, true],
    ['fractional cooldown', 1_000, 1_250, 0.25, true],
    ['clock went backwards', 5_000, 1_000, 2, true],
  ])('%s → %s', (_name, last, now, min, expected) => {
    expect(cooldownAllows(last, now, min)).toBe(expected);
  });
});

describe(EscalationCooldowns.name, () => {
  it('keeps one cooldown per detector', () => {
    const sut = new EscalationCooldowns();
    expect(sut.tryAcquire('det_a', 0, 2)).toBe(true);
    expect(sut.tryAcquire('det_a', 1_000, 2)).toBe(false);
    expect(sut.tryAcquire('det_b', 1_000, 2)).toBe(true);
    expect(sut.lastEscalationAt('det_a')).toBe(0);
    expect(sut.tryAcquire('det_a', 2_000, 2)).toBe(true);
    expect(sut.lastEscalationAt('det_a')).toBe(2_000);
  });

  it('a refused attempt does not restart the cooldown', () => {
    const sut = new EscalationCooldowns();
    sut.record('det_a', 0);
    expect(sut.allows('det_a', 1_500, 2)).toBe(false);
    expect(sut.tryAcquire('det_a', 1_500, 2)).toBe(false);
    expect(sut.allows('det_a', 2_000, 2)).toBe(true);
    sut.forget('det_a');
    expect(sut.lastEscalationAt('det_a')).toBeUndefined();
  });
});
