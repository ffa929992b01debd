import { describe, expect, it } from 'vitest';
import { mayScrape } from './metrics-auth';

const TOKEN = 'metrics-token-0123456789';

describe('mayScrape', () => {
  it.each<[string, string | null, string | undefined, boolean]>([
    ['no token configured: open', null, undefined, true],
    ['the bearer token', TOKEN, `Bearer ${TOKEN}`, true],
    ['the scheme in any case', TOKEN, `bearer ${TOKEN}`, true],
    ['no header', TOKEN, undefined, false],
    ['a wrong token', TOKEN, 'Bearer metrics-token-0123456780', false],
    ['a prefix of the token', TOKEN, `Bearer ${TOKEN.slice(0, 5)}`, false],
    ['another scheme', TOKEN, `Basic ${TOKEN}`, false],
  ])('%s', (_, token, header, ok) => {
    expect(mayScrape(token, header)).toBe(ok);
  });
});
