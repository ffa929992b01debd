/**
 * DataLoader's batching without its cache: every `load(id)` made while one tick of resolvers runs becomes
 * one `fetchMany(ids)` (each id once), so a list of N parents costs one query for their children, not N.
 * Nothing is kept after the batch, so a long-lived subscription context never serves stale rows.
 */
export class BatchLoader<T> {
  private batch: Map<string, { resolve(v: T | null): void; reject(e: unknown): void }[]> | null = null;

  constructor(
    private readonly fetchMany: (ids: readonly string[]) => Promise<readonly T[]>,
    private readonly idOf: (row: T) => string,
  ) {}

  load(id: string): Promise<T | null> {
    return new Promise((resolve, reject) => {
      if (!this.batch) {
        const batch = new Map<string, { resolve(v: T | null): void; reject(e: unknown): void }[]>();
        this.batch = batch;
        // After the promise jobs of this tick, like DataLoader: sibling resolvers have all asked by then.
        void Promise.resolve().then(() => process.nextTick(() => void this.dispatch(batch)));
      }
      const waiting = this.batch.get(id);
      if (waiting) waiting.push({ resolve, reject });
      else this.batch.set(id, [{ resolve, reject }]);
    });
  }

  private async dispatch(batch: Map<string, { resolve(v: T | null): void; reject(e: unknown): void }[]>) {
    if (this.batch === batch) this.batch = null;
    try {
      const rows = await this.fetchMany([...batch.keys()]);
      const byId = new Map(rows.map((r) => [this.idOf(r), r]));
      for (const [id, waiting] of batch) for (const w of waiting) w.resolve(byId.get(id) ?? null);
    } catch (e) {
      for (const waiting of batch.values()) for (const w of waiting) w.reject(e);
    }
  }
}
