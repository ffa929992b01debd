/**
 * What the edge last learnt about reaching the cloud. `reachable()` is false only right after a failure with
 * no success since (so the decision can skip a doomed synchronous call); otherwise undefined = "try it".
 */
export class CloudStatus {
  private lastOk = 0;
  private lastFail = 0;

  constructor(
    private readonly windowMs = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  ok(): void {
    this.lastOk = this.now();
  }

  failed(): void {
    this.lastFail = this.now();
  }

  reachable(): false | undefined {
    return this.lastFail > this.lastOk && this.now() - this.lastFail < this.windowMs ? false : undefined;
  }

  snapshot(): { lastOkAt: string | null; lastFailAt: string | null } {
    return {
      lastOkAt: this.lastOk ? new Date(this.lastOk).toISOString() : null,
      lastFailAt: this.lastFail ? new Date(this.lastFail).toISOString() : null,
    };
  }
}
