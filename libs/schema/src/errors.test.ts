import { describe, expect, it } from 'vitest';
import type * as errors from './errors';
import { ERROR_CODES, IntelliOpticsError, httpStatusFor, isIntelliOpticsError } from './errors';

describe(isIntelliOpticsError.name, () => {
  it('recognises errors from this module', () => {
    expect(isIntelliOpticsError(new IntelliOpticsError('NOT_FOUND'))).toBe(true);
  });

  it('recognises errors from a second copy of the module, where instanceof fails', async () => {
    // A query string makes Vite load errors.ts again as a separate module: the dual-package situation.
    const specifier = './errors?second-copy';
    const copy = (await import(/* @vite-ignore */ specifier)) as typeof errors;
    const foreign = new copy.IntelliOpticsError('CONFLICT');
    expect(foreign).not.toBeInstanceOf(IntelliOpticsError);
    expect(isIntelliOpticsError(foreign)).toBe(true);
    expect(copy.isIntelliOpticsError(new IntelliOpticsError('CONFLICT'))).toBe(true);
  });

  it.each([
    ['a plain Error', new Error('x')],
    ['a look-alike by shape', Object.assign(new Error('x'), { code: 'NOT_FOUND', status: 404 })],
    ['a look-alike by name', Object.assign(new Error('x'), { name: 'IntelliOpticsError' })],
    ['null', null],
    ['a string', 'NOT_FOUND'],
  ])('refuses %s', (_what, value) => {
    expect(isIntelliOpticsError(value)).toBe(false);
  });
});

describe('the catalogue', () => {
  it('answers 405 METHOD_NOT_ALLOWED', () => {
    expect(httpStatusFor('METHOD_NOT_ALLOWED')).toBe(405);
    expect(new IntelliOpticsError('METHOD_NOT_ALLOWED').toProblem()).toEqual({
      detail: ERROR_CODES.METHOD_NOT_ALLOWED.message,
      code: 'METHOD_NOT_ALLOWED',
    });
  });

  it('never uses a 5xx for a client mistake', () => {
    const fiveHundreds = Object.entries(ERROR_CODES)
      .filter(([, v]) => v.status >= 500)
      .map(([k]) => k);
    expect(fiveHundreds.sort()).toEqual([
      'CLOUD_UNREACHABLE',
      'DATABASE_UNAVAILABLE',
      'EDGE_ONLY_UNAVAILABLE',
      'INSUFFICIENT_STORAGE',
      'INTERNAL',
      'NOT_READY',
    ]);
  });
});
