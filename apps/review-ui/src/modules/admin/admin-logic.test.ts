import { describe, expect, it } from 'vitest';
import { assignment, jobActive, jobSummary, toggleId, tokenStatus } from './admin-logic';

describe('admin rules', () => {
  const now = Date.parse('2026-12-02T12:00:00Z');
  it.each([
    [{ revokedAt: null, expiresAt: null }, 'active'],
    [{ revokedAt: null, expiresAt: '2026-12-03T00:00:00Z' }, 'active'],
    [{ revokedAt: null, expiresAt: '2026-12-02T11:00:00Z' }, 'expired'],
    [{ revokedAt: '2026-12-01T00:00:00Z', expiresAt: '2026-12-02T11:00:00Z' }, 'revoked'],
  ] as const)('token %j is %s', (t, want) => {
    expect(tokenStatus(t, now)).toBe(want);
  });

  it('knows which jobs are still going and says where they are', () => {
    expect(['QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED'].map(jobActive)).toEqual([true, true, false, false]);
    expect(jobSummary({ state: 'RUNNING', stage: 'training', progress: 0.4, outcome: null })).toBe(
      'RUNNING · training 40%',
    );
    expect(jobSummary({ state: 'SUCCEEDED', stage: null, progress: 1, outcome: 'REFUSED' })).toBe(
      'SUCCEEDED · REFUSED',
    );
    expect(jobSummary({ state: 'FAILED', stage: 'features', progress: 0.1, outcome: null })).toBe('FAILED');
  });

  it('toggles detector picks in list order, and sends null for every detector', () => {
    const all = ['a', 'b', 'c'];
    expect(toggleId(['c'], 'a', all)).toEqual(['a', 'c']);
    expect(toggleId(['a', 'c'], 'a', all)).toEqual(['c']);
    expect(assignment(true, ['a'])).toBeNull();
    expect(assignment(false, ['a'])).toEqual(['a']);
  });
});
