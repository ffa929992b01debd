/**
 * One background escalation per detector per `min_time_between_escalations` seconds, so a camera at 10 fps
 * looking at something new does not flood the review queue. Use a monotonic clock (performance.now()); a clock
 * that went backwards is treated as "long enough ago" rather than blocking escalations until it catches up.
 */
export function cooldownAllows(
  lastEscalationAtMs: number | undefined,
  nowMs: number,
  minSeconds: number,
): boolean {
  if (lastEscalationAtMs === undefined) return true;
  const elapsedMs = nowMs - lastEscalationAtMs;
  return elapsedMs < 0 || elapsedMs >= minSeconds * 1000;
}

/**
 * The cooldown state of one process: one entry per detector, shared by every request (the reference kept one
 * per worker, so 8 workers escalated up to 8 times per window). The decision itself stays pure: read
 * `lastEscalationAt`, pass it to `decide`, and `record` when the decision escalated in the background.
 */
export class EscalationCooldowns {
  readonly #last = new Map<string, number>();

  lastEscalationAt(detectorId: string): number | undefined {
    return this.#last.get(detectorId);
  }

  allows(detectorId: string, nowMs: number, minSeconds: number): boolean {
    return cooldownAllows(this.#last.get(detectorId), nowMs, minSeconds);
  }

  record(detectorId: string, nowMs: number): void {
    this.#last.set(detectorId, nowMs);
  }

  /** Check and record in one step (JS runs it without interleaving). */
  tryAcquire(detectorId: string, nowMs: number, minSeconds: number): boolean {
    if (!this.allows(detectorId, nowMs, minSeconds)) return false;
    this.record(detectorId, nowMs);
    return true;
  }

  forget(detectorId: string): void {
    this.#last.delete(detectorId);
  }
}
