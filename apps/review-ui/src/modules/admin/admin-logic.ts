/** Pure rules of the admin pages: a token's status, whether a training job is still going, detector picks. */

export type TokenStatus = 'active' | 'revoked' | 'expired';

export function tokenStatus(
  t: { revokedAt: string | null; expiresAt: string | null },
  nowMs: number,
): TokenStatus {
  if (t.revokedAt) return 'revoked';
  if (t.expiresAt && Date.parse(t.expiresAt) <= nowMs) return 'expired';
  return 'active';
}

/** QUEUED and RUNNING jobs are still going (the page polls while one is). */
export function jobActive(state: string): boolean {
  return state === 'QUEUED' || state === 'RUNNING';
}

/** A job's state in one phrase ("RUNNING · training 40%", "SUCCEEDED · PUBLISHED"). */
export function jobSummary(j: {
  state: string;
  stage: string | null;
  progress: number;
  outcome: string | null;
}): string {
  if (j.state === 'RUNNING') return `RUNNING · ${j.stage ?? 'starting'} ${Math.round(j.progress * 100)}%`;
  if (j.state === 'SUCCEEDED' && j.outcome) return `SUCCEEDED · ${j.outcome}`;
  return j.state;
}

/** Adds or removes one detector id from a selection, keeping the order of `all`. */
export function toggleId(selected: readonly string[], id: string, all: readonly string[]): string[] {
  const next = new Set(selected);
  if (next.has(id)) next.delete(id);
  else next.add(id);
  return all.filter((a) => next.has(a));
}

/** An assignment to send: null (every detector) when the box "all detectors" is on. */
export function assignment(allDetectors: boolean, selected: readonly string[]): string[] | null {
  return allDetectors ? null : [...selected];
}
