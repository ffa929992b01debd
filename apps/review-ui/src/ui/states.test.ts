import { describe, expect, it } from 'vitest';
import { describeError, errorCode } from './States';

describe('error codes', () => {
  it('reads GraphQL extensions and HTTP statuses', () => {
    expect(errorCode({ errors: [{ message: 'x', extensions: { code: 'FORBIDDEN' } }] })).toBe('FORBIDDEN');
    expect(errorCode(Object.assign(new Error('Received status code 401'), { statusCode: 401 }))).toBe(
      'UNAUTHENTICATED',
    );
    expect(errorCode(new Error('boom'))).toBeNull();
    expect(errorCode(null)).toBeNull();
  });
  it('says what to do', () => {
    expect(describeError(new TypeError('Failed to fetch'))).toContain('cannot be reached');
    expect(describeError(Object.assign(new Error('x'), { statusCode: 401 }))).toContain('Sign out');
  });
});
