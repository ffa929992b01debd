import { describe, expect, it } from 'vitest';
import {
  backoffSeconds,
  classifyOutcome,
  planAttempt,
  type AttemptPlan,
  type SendOutcome,
} from './retry-policy';

describe('classifyOutcome', () => {
  const rows: [SendOutcome, string][] = [
    [{ kind: 'http', status: 200 }, 'delivered'],
    [{ kind: 'http', status: 201 }, 'delivered'],
    [{ kind: 'http', status: 202 }, 'delivered'],
    [{ kind: 'http', status: 409 }, 'failed'],
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

describe('planAttempt', () => {
  const MAX = 3;
  const rows: [string, SendOutcome, number, AttemptPlan][] = [
    ['2xx', { kind: 'http', status: 201 }, 1, { action: 'delivered' }],
    [
      '409 is a conflict, never delivered',
      { kind: 'http', status: 409, code: 'ALREADY_EXISTS' },
      1,
      { action: 'failed', cause: 'CONFLICT' },
    ],
    ['400 refused', { kind: 'http', status: 400 }, 1, { action: 'failed', cause: 'REFUSED' }],
    ['500 below the cap', { kind: 'http', status: 500 }, 2, { action: 'retry', class: 'server_error' }],
    ['500 at the cap', { kind: 'http', status: 500 }, 3, { action: 'failed', cause: 'MAX_ATTEMPTS' }],
    ['503 is never capped', { kind: 'http', status: 503 }, 100, { action: 'retry', class: 'unavailable' }],
    ['429 is never capped', { kind: 'http', status: 429 }, 100, { action: 'retry', class: 'unavailable' }],
    ['401 is never capped', { kind: 'http', status: 401 }, 100, { action: 'retry', class: 'auth' }],
    [
      'an outage is never capped',
      { kind: 'network', message: 'ECONNREFUSED' },
      100,
      { action: 'retry', class: 'offline' },
    ],
    ['a timeout is never capped', { kind: 'timeout' }, 100, { action: 'retry', class: 'offline' }],
  ];
  it.each(rows)('%s', (_name, outcome, attempt, plan) => {
    expect(planAttempt(outcome, attempt, MAX)).toEqual(plan);
  });
});
