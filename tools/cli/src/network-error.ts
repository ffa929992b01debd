/** Why a fetch failed, in a word a person can act on: ECONNREFUSED, ENOTFOUND, a timeout… */
export function networkCause(err: unknown): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError') return 'timed out';
  return e.cause?.code ?? e.cause?.message ?? e.message ?? String(err);
}
