import { createHash, randomInt } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/**
 * A new secret token: prefix + 40 base62 characters (≈238 bits). The first 20 characters match
 * `[A-Za-z0-9_]{20}`, which the Groundlight SDK's token rotation check requires.
 */
export function generateToken(prefix: 'io_' | 'hub_'): string {
  let out = prefix;
  for (let i = 0; i < 40; i++) out += ALPHABET[randomInt(ALPHABET.length)];
  return out;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function tokenSnippet(token: string): string {
  return token.slice(0, 20);
}
