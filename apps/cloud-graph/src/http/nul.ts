import { IntelliOpticsError } from '@intellioptics/schema';

/**
 * PostgreSQL text and jsonb cannot hold U+0000, so a NUL from a client would surface as a database error (a
 * 500). Refuses it as the client's 400 wherever it sits in `value` (strings, arrays, object keys and values).
 */
export function assertNoNul(value: unknown, what: string): void {
  if (hasNul(value, 0)) {
    throw new IntelliOpticsError('INVALID_PARAMETER', `${what} contains a NUL character.`);
  }
}

function hasNul(value: unknown, depth: number): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (depth > 64 || value === null || typeof value !== 'object') return false;
  if (Array.isArray(value)) return value.some((v) => hasNul(v, depth + 1));
  return Object.entries(value).some(([k, v]) => k.includes('\u0000') || hasNul(v, depth + 1));
}
