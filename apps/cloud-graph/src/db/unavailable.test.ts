import { describe, expect, it } from 'vitest';
import { isIntelliOpticsError } from '@intellioptics/schema';
import { asDatabaseUnavailable, isDatabaseUnavailable } from './unavailable';

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });

describe(isDatabaseUnavailable.name, () => {
  const rows: [string, unknown, boolean][] = [
    ['connection refused', withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'), true],
    [
      'admin shutdown (57P01)',
      withCode('terminating connection due to administrator command', '57P01'),
      true,
    ],
    ['connection exception class 08', withCode('connection failure', '08006'), true],
    ['pool timeout', new Error('timeout exceeded when trying to connect'), true],
    [
      "knex, a query on the transaction the lost connection rolled back (MikroORM's DriverException, no code)",
      new Error('Transaction query already complete, run with DEBUG=knex:tx for more info'),
      true,
    ],
    ['in the cause chain', new Error('flush failed', { cause: new Error('Connection terminated') }), true],
    ['a unique violation is the caller’s conflict', withCode('duplicate key value', '23505'), false],
    ['a plain bug', new TypeError("Cannot read properties of undefined (reading 'id')"), false],
    ['not an error', 'ECONNREFUSED', false],
  ];
  it.each(rows)('%s', (_name, err, unavailable) => {
    expect(isDatabaseUnavailable(err)).toBe(unavailable);
  });

  it('asDatabaseUnavailable turns only an outage into the coded 503', () => {
    const e = asDatabaseUnavailable(withCode('terminating connection', '57P01'));
    expect(isIntelliOpticsError(e) && e.code).toBe('DATABASE_UNAVAILABLE');
    const bug = new TypeError('x is undefined');
    expect(asDatabaseUnavailable(bug)).toBe(bug);
  });
});
