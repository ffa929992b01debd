/** Reading @libsql/client values as the types the repositories store. */
import type { Value } from '@libsql/client';

export function str(v: Value | undefined): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint') return v.toString();
  return Buffer.from(v).toString('utf8');
}

export function numOrNull(v: Value | undefined): number | null {
  return v === null || v === undefined ? null : Number(v);
}

export function strOrNull(v: Value | undefined): string | null {
  return v === null || v === undefined ? null : str(v);
}

/** A stored enum column: its value when it is one of `allowed`, else `fallback` (a row of an older version). */
export function oneOf<T extends string>(v: Value | undefined, allowed: readonly T[], fallback: T): T {
  const s = str(v);
  return (allowed as readonly string[]).includes(s) ? (s as T) : fallback;
}
