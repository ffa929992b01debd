/**
 * The SQLite database under `$IO_HOME/state/edge-state.db` (@libsql/client, WAL mode) shared by the
 * repositories beside this file. It owns the connection, the migrations and the write queue.
 *
 * Durability (STATE_DURABILITY):
 * - `process` (default): `synchronous=NORMAL`. In WAL mode a committed transaction is in the WAL file (the OS
 *   page cache) before `COMMIT` returns, so it survives `kill -9` of this process at any point; only a power
 *   loss or kernel crash can drop the last transactions. Costs ~0.2 ms per commit and no fsync on the request
 *   path.
 * - `power`: `synchronous=FULL`: the WAL is fsync'd at every commit, so it also survives power loss, at the
 *   price of an fsync (milliseconds on most disks) per group commit.
 *
 * Writes are group-committed: all writes that arrive in one event-loop turn share one transaction, so a
 * crash leaves either an image query with its image and its escalation, or none of them.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createClient, type Client, type InStatement, type ResultSet } from '@libsql/client';
import { IntelliOpticsError } from '@intellioptics/schema';
import { migrate } from './migrations';

/** Seconds a client should wait before retrying a write refused because the disk is full. */
const DISK_FULL_RETRY_AFTER_S = 30;

/**
 * A full disk (SQLITE_FULL, or ENOSPC from the file system) as the 507 a client can act on. SQLite rolls the
 * transaction back, so nothing half-written stays behind, and writes succeed again once space is freed.
 */
export function asStorageFull(e: unknown): unknown {
  const { code, message } = (e ?? {}) as { code?: unknown; message?: unknown };
  const text = `${String(code)} ${String(message)}`;
  if (!/SQLITE_FULL|ENOSPC|database or disk is full/i.test(text)) return e;
  return new IntelliOpticsError('INSUFFICIENT_STORAGE', undefined, {
    details: { retryAfterS: DISK_FULL_RETRY_AFTER_S },
    cause: e,
  });
}

export type Durability = 'process' | 'power';

interface PendingWrite {
  stmts: InStatement[];
  resolve: () => void;
  reject: (e: unknown) => void;
  onCommit?: () => void;
}

export class EdgeDatabase {
  private queue: PendingWrite[] = [];
  private flushScheduled = false;
  private closed = false;

  private constructor(private readonly client: Client) {}

  static async open(dir: string, durability: Durability): Promise<EdgeDatabase> {
    mkdirSync(dir, { recursive: true });
    const client = createClient({ url: `file:${join(dir, 'edge-state.db')}` });
    await client.execute('PRAGMA journal_mode=WAL');
    await client.execute(`PRAGMA synchronous=${durability === 'power' ? 'FULL' : 'NORMAL'}`);
    await client.execute('PRAGMA busy_timeout=5000');
    await migrate(client);
    return new EdgeDatabase(client);
  }

  read(stmt: InStatement): Promise<ResultSet> {
    return this.client.execute(stmt);
  }

  /** Queue statements for the next group commit; `onCommit` runs once they are durable. */
  write(stmts: InStatement[], onCommit?: () => void): Promise<void> {
    if (this.closed) return Promise.reject(new Error('state store is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ stmts, resolve, reject, ...(onCommit ? { onCommit } : {}) });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.flush();
    this.client.close();
  }

  /** Commit everything queued in one transaction; on failure retry each write alone so one bad one fails alone. */
  private async flush(): Promise<void> {
    this.flushScheduled = false;
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return;
    const only = batch.length === 1 ? batch[0] : undefined;
    if (only && only.stmts.length === 1) {
      // One statement: autocommit is one prepare + step instead of BEGIN / statement / COMMIT.
      try {
        await this.client.execute(only.stmts[0]!);
        only.onCommit?.();
        only.resolve();
      } catch (e) {
        only.reject(asStorageFull(e));
      }
      return;
    }
    try {
      await this.client.batch(
        batch.flatMap((w) => w.stmts),
        'write',
      );
      for (const w of batch) {
        w.onCommit?.();
        w.resolve();
      }
    } catch {
      for (const w of batch) {
        try {
          await this.client.batch(w.stmts, 'write');
          w.onCommit?.();
          w.resolve();
        } catch (e) {
          w.reject(asStorageFull(e));
        }
      }
    }
  }
}
