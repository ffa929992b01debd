/** Exponential reconnect delays, capped and jittered so many cameras that drop together do not retry together. */

export interface BackoffOptions {
  /** First delay (ms). */
  initialMs: number;
  /** Largest delay before jitter (ms). */
  maxMs: number;
  factor: number;
  /** 0..1: the delay is drawn from [delay·(1 − jitter), delay]. */
  jitter: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 1000, maxMs: 30_000, factor: 2, jitter: 0.5 };

export class ReconnectBackoff {
  private failures = 0;

  constructor(
    private readonly options: BackoffOptions,
    private readonly random: () => number = Math.random,
  ) {}

  /** The delay before the next attempt; each call counts one more failure. */
  next(): number {
    const { initialMs, maxMs, factor, jitter } = this.options;
    const base = Math.min(maxMs, initialMs * factor ** Math.min(this.failures, 32));
    this.failures += 1;
    return Math.round(base * (1 - jitter * this.random()));
  }

  /** Called once a session delivers a frame: the next drop starts again from the initial delay. */
  reset(): void {
    this.failures = 0;
  }

  get consecutiveFailures(): number {
    return this.failures;
  }
}
