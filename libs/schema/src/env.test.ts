import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { EnvError, parseEnvWith } from './env';

const Schema = z.object({
  PORT: z.coerce.number().int().min(1).default(8000),
  LOG_LEVEL: z.enum(['info', 'debug']).default('info'),
  NAME: z.string().optional(),
});

describe(parseEnvWith.name, () => {
  it.each([
    ['nothing set', {}, { PORT: 8000, LOG_LEVEL: 'info' }],
    ['an empty value is unset', { PORT: '', NAME: '' }, { PORT: 8000, LOG_LEVEL: 'info' }],
    ['values', { PORT: '9', LOG_LEVEL: 'debug', NAME: 'x' }, { PORT: 9, LOG_LEVEL: 'debug', NAME: 'x' }],
    ['unrelated variables are ignored', { HOME: '/root' }, { PORT: 8000, LOG_LEVEL: 'info' }],
  ])('%s', (_what, source, expected) => {
    expect(parseEnvWith(Schema, source)).toEqual(expected);
  });

  it('lists every invalid variable', () => {
    let err: unknown;
    try {
      parseEnvWith(Schema, { PORT: 'abc', LOG_LEVEL: 'loud' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(EnvError);
    const e = err as EnvError;
    expect(e.problems).toHaveLength(2);
    expect(e.problems[0]).toMatch(/^PORT: /);
    expect(e.problems[1]).toMatch(/^LOG_LEVEL: /);
    expect(e.message).toMatch(/^Invalid environment:\n {2}- PORT: .*\n {2}- LOG_LEVEL: /);
  });
});
