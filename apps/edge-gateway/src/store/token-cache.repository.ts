/** `tokens`: the cloud's verdict on each API token seen (sha256 only), so known tokens work offline. */
import type { EdgeDatabase } from './edge-database';
import { str } from './sql-values';

export interface CachedToken {
  hash: string;
  valid: boolean;
  checkedAt: number;
}

export class TokenCacheRepository {
  constructor(private readonly db: EdgeDatabase) {}

  async save(token: CachedToken): Promise<void> {
    await this.db.write([
      {
        sql: `INSERT INTO tokens (hash, valid, checked_at) VALUES (?, ?, ?)
              ON CONFLICT (hash) DO UPDATE SET valid = excluded.valid, checked_at = excluded.checked_at`,
        args: [token.hash, token.valid ? 1 : 0, token.checkedAt],
      },
    ]);
  }

  async loadAll(): Promise<CachedToken[]> {
    const rs = await this.db.read(`SELECT hash, valid, checked_at FROM tokens`);
    return rs.rows.map((r) => ({
      hash: str(r.hash),
      valid: Number(r.valid) === 1,
      checkedAt: Number(r.checked_at),
    }));
  }
}
