import { describe, expect, it } from 'vitest';
import { asUiRole, canOpen } from './roles';

describe('roles', () => {
  it('a reviewer sees the queue only; an admin everything', () => {
    expect(canOpen('REVIEWER', 'queue')).toBe(true);
    expect(canOpen('REVIEWER', 'detectors')).toBe(false);
    expect(canOpen('REVIEWER', 'fleet')).toBe(false);
    expect(canOpen('REVIEWER', 'admin')).toBe(false);
    expect(canOpen('ADMIN', 'admin')).toBe(true);
    expect(['queue', 'detectors', 'fleet'].every((a) => canOpen('ADMIN', a as 'queue'))).toBe(true);
  });
  it('hub tokens cannot use the UI', () => {
    expect(asUiRole('HUB')).toBeNull();
    expect(asUiRole('ADMIN')).toBe('ADMIN');
  });
});
