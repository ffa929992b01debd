import { describe, expect, it } from 'vitest';
import { backoffSeconds, classifyOutcome, type SendOutcome } from './retry-policy';

describe('classifyOutcome', () => {
  const rows: [SendOutcome, string][] = [
    [{ kind: 'http', status: 200 }, 'delivered'],
    [{ kind: 'http', status: 201 }, 'delivered'],
    [{ kind: 'http', status: 202 }, 'delivered'],
    [{ kind: 'http', status: 409 }, 'delivered'],
    [{ kind: 'network', message: 'ECONNREFUSED' }, 'retry'],
    [{ kind: 'timeout' }, 'retry'],
    [{ kind: 'http', status: 500 }, 'retry'],
    [{ kind: 'http', status: 502 }, 'retry'],
    [{ kind: 'http', status: 503 }, 'retry'],
    [{ kind: 'http', status: 504 }, 'retry'],
    [{ kind: 'http', status: 429 }, 'retry'],
    [{ kind: 'http', status: 408 }, 'retry'],
    [{ kind: 'http', status: 401 }, 'retry'],
    [{ kind: 'http', status: 403 }, 'retry'],
    [{ kind: 'http', status: 400 }, 'failed'],
    [{ kind: 'http', status: 404 }, 'failed'],
    [{ kind: 'http', status: 413 }, 'failed'],
    [{ kind: 'http', status: 415 }, 'failed'],
    [{ kind: 'http', status: 422 }, 'failed'],
  ];
  it.each(rows)('%j → %s', (outcome, action) => {
    expect(classifyOutcome(outcome)).toBe(action);
  });
});

describe('backoffSeconds', () => {
  it('grows exponentially from 0.5 s and is capped', () => {
    const one = () => 1;
    expect([1, 2, 3, 4, 5, 6, 7, 20].map((a) => backoffSeconds(a, 30, one))).toEqual([
      0.5, 1, 2, 4, 8, 16, 30, 30,
    ]);
  });
  it('jitters down to half the base', () => {
    expect(backoffSeconds(3, 30, () => 0)).toBe(1);
  });
  it('waits at least Retry-After', () => {
    expect(backoffSeconds(1, 30, () => 1, 12)).toBe(12);
  });
});
