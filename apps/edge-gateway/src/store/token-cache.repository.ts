/**
 * `tokens`: the cloud's verdict on each API token seen (sha256 only), so known tokens work offline within
 * their bound and across restarts. `checked_at` is when the cloud last answered for the token (for a valid
 * one, its last successful verification: the start of its offline bound). At most `maxRows` rows are kept,
 * the least recently checked go first (a token in use is re-checked every TOKEN_REVALIDATE_S).
 */
import type { EdgeDatabase } from './edge-database';
import { str } from './sql-values';

export interface CachedToken {
  hash: string;
  valid: boolean;
  checkedAt: number;
}

export class TokenCacheRepository {
  constructor(
    private readonly db: EdgeDatabase,
    private readonly maxRows = 10_000,
  ) {}

  async save(token: CachedToken): Promise<void> {
    await this.db.write([
      {
        sql: `INSERT INTO tokens (hash, valid, checked_at) VALUES (?, ?, ?)
              ON CONFLICT (hash) DO UPDATE SET valid = excluded.valid, checked_at = excluded.checked_at`,
        args: [token.hash, token.valid ? 1 : 0, token.checkedAt],
      },
      {
        sql: `DELETE FROM tokens WHERE hash IN (SELECT hash FROM tokens ORDER BY checked_at DESC LIMIT -1 OFFSET ?)`,
        args: [this.maxRows],
      },
    ]);
  }

  /** The most recently checked `maxRows` tokens. */
  async loadAll(): Promise<CachedToken[]> {
    const rs = await this.db.read({
      sql: `SELECT hash, valid, checked_at FROM tokens ORDER BY checked_at DESC LIMIT ?`,
      args: [this.maxRows],
    });
    return rs.rows.map((r) => ({
      hash: str(r.hash),
      valid: Number(r.valid) === 1,
      checkedAt: Number(r.checked_at),
    }));
  }
}
