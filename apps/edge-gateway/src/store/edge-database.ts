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
 * crash leaves either an image query with its image and its escalation, or none of them. While a group is
 * being committed the next turns' writes wait and go together in the next group (one commit in flight).
 *
 * Thread (EDGE_DB_THREAD): libsql's local client runs SQLite synchronously on the calling thread.
 * - `worker` (default under power durability): the connection lives in a worker thread
 *   (edge-database.worker.mjs); every statement is a message, so commits, fsyncs and long reads never stall
 *   the request loop.
 * - `main` (default otherwise): the connection runs on the request loop (no message passing; each statement
 *   blocks the loop, briefly when no fsync is involved).
 * Both give the same results, ordering and crash guarantees (edge-database.test.ts runs both).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import {
  createClient,
  LibsqlError,
  type Client,
  type InStatement,
  type ResultSet,
  type Row,
  type TransactionMode,
} from '@libsql/client';
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

/** Where the SQLite connection runs (EDGE_DB_THREAD). */
export type DbThread = 'worker' | 'main';

/**
 * EDGE_DB_THREAD; unset or empty: `worker` under power durability (each commit fsyncs, which would stall the
 * request loop) and `main` otherwise, where a commit is a write to the page cache and the message passing
 * costs more than it saves (bench:edge: +0.5 ms p50 per request on the worker at process durability; at power
 * durability the worker's 16-client p50 / p99 are 16.0 / 46.6 ms against 18.1 / 53.0 ms on the loop).
 */
export function dbThreadFromEnv(
  durability: Durability,
  value: string | undefined = process.env.EDGE_DB_THREAD,
): DbThread {
  const v = value || (durability === 'power' ? 'worker' : 'main');
  if (v === 'worker' || v === 'main') return v;
  throw new Error(`EDGE_DB_THREAD must be "worker" or "main", not ${JSON.stringify(v)}`);
}

/** What EdgeDatabase needs of a connection: libsql's client itself, or the worker thread speaking for one. */
type Connection = Pick<Client, 'execute' | 'batch'> & { close(): void | Promise<void> };

interface PendingWrite {
  stmts: InStatement[];
  resolve: () => void;
  reject: (e: unknown) => void;
  onCommit?: () => void;
}

export class EdgeDatabase {
  private queue: PendingWrite[] = [];
  private flushScheduled = false;
  /** The group commit in flight; the next one starts when it settles. */
  private flushing: Promise<void> | null = null;
  private closed = false;

  private constructor(
    private readonly client: Connection,
    /** Where the connection runs. */
    readonly thread: DbThread,
  ) {}

  static async open(
    dir: string,
    durability: Durability,
    thread: DbThread = dbThreadFromEnv(durability),
  ): Promise<EdgeDatabase> {
    mkdirSync(dir, { recursive: true });
    const path = join(dir, 'edge-state.db');
    const synchronous = durability === 'power' ? 'FULL' : 'NORMAL';
    let client: Connection;
    if (thread === 'worker') {
      client = await WorkerConnection.open(path, synchronous);
    } else {
      const c = createClient({ url: `file:${path}` });
      await c.execute('PRAGMA journal_mode=WAL');
      await c.execute(`PRAGMA synchronous=${synchronous}`);
      await c.execute('PRAGMA busy_timeout=5000');
      client = c;
    }
    try {
      // migrate() only calls execute and batch, which both connections answer alike.
      await migrate(client as Client);
    } catch (e) {
      await client.close();
      throw e;
    }
    return new EdgeDatabase(client, thread);
  }

  read(stmt: InStatement): Promise<ResultSet> {
    return this.client.execute(stmt);
  }

  /** Queue statements for the next group commit; `onCommit` runs once they are durable. */
  write(stmts: InStatement[], onCommit?: () => void): Promise<void> {
    if (this.closed) return Promise.reject(new Error('state store is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ stmts, resolve, reject, ...(onCommit ? { onCommit } : {}) });
      this.schedule();
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    while (this.flushing || this.queue.length > 0) await (this.flushing ?? this.startFlush());
    await this.client.close();
  }

  private schedule(): void {
    if (this.flushScheduled || this.flushing) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      if (!this.flushing) void this.startFlush();
    });
  }

  /** One group commit at a time: what was queued meanwhile goes in the next group, right after. */
  private startFlush(): Promise<void> {
    const run = this.flush().finally(() => {
      this.flushing = null;
      if (this.queue.length > 0 && !this.closed) this.schedule();
    });
    this.flushing = run;
    return run;
  }

  /** Commit everything queued in one transaction; on failure retry each write alone so one bad one fails alone. */
  private async flush(): Promise<void> {
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

interface WorkerResult {
  columns: string[];
  columnTypes: string[];
  rows: unknown[][];
  rowsAffected: number;
  lastInsertRowid: bigint | undefined;
}

interface WorkerError {
  name: string;
  message: string;
  code?: string;
  extendedCode?: string;
  rawCode?: number;
}

type WorkerReply = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: WorkerError };

const WORKER_URL = new URL('./edge-database.worker.mjs', import.meta.url);

/**
 * The worker thread's connection (edge-database.worker.mjs) as a libsql client: each call is one message,
 * answered in order. The thread keeps the process alive only while a call is outstanding.
 */
class WorkerConnection {
  private nextId = 1;
  private readonly pending = new Map<
    number,
    { resolve: (v: unknown) => void; reject: (e: unknown) => void }
  >();
  private dead: Error | null = null;
  private readonly exited: Promise<void>;

  private constructor(private readonly worker: Worker) {
    worker.unref();
    worker.on('message', (m: WorkerReply) => this.settle(m));
    worker.on('error', (e) => this.fail(e));
    this.exited = new Promise((resolve) =>
      worker.once('exit', (code) => {
        this.fail(new Error(`state store thread exited (code ${code})`));
        resolve();
      }),
    );
  }

  static async open(path: string, synchronous: 'FULL' | 'NORMAL'): Promise<WorkerConnection> {
    const c = new WorkerConnection(new Worker(WORKER_URL));
    try {
      await c.call({ op: 'open', path, synchronous });
    } catch (e) {
      await c.worker.terminate();
      throw e;
    }
    return c;
  }

  async execute(stmt: InStatement): Promise<ResultSet> {
    return toResultSet((await this.call({ op: 'execute', stmt })) as WorkerResult);
  }

  async batch(stmts: InStatement[], mode: TransactionMode = 'deferred'): Promise<ResultSet[]> {
    return ((await this.call({ op: 'batch', stmts, mode })) as WorkerResult[]).map(toResultSet);
  }

  async close(): Promise<void> {
    if (!this.dead) await this.call({ op: 'close' }).catch(() => undefined);
    // Held until the thread has ended: unref'd, a process with nothing else to do would exit before it does
    // (a top-level `await close()` then never settles: exit code 13).
    this.worker.ref();
    await this.exited;
  }

  private call(msg: Record<string, unknown>): Promise<unknown> {
    if (this.dead) return Promise.reject(this.dead);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      if (this.pending.size === 0) this.worker.ref();
      this.pending.set(id, { resolve, reject });
      try {
        this.worker.postMessage({ ...msg, id });
      } catch (e) {
        this.pending.delete(id);
        if (this.pending.size === 0) this.worker.unref();
        reject(e instanceof Error ? e : new Error(String(e)));
      }
    });
  }

  private settle(m: WorkerReply): void {
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    if (this.pending.size === 0) this.worker.unref();
    if (m.ok) p.resolve(m.result);
    else p.reject(toError(m.error));
  }

  private fail(e: Error): void {
    this.dead ??= e;
    for (const p of this.pending.values()) p.reject(this.dead);
    this.pending.clear();
  }
}

/** libsql's ResultSet from the worker's plain one: rows indexable by position and by column name. */
function toResultSet(r: WorkerResult): ResultSet {
  const rows = r.rows.map((values) => {
    const row = {} as Row;
    Object.defineProperty(row, 'length', { value: values.length });
    for (let i = 0; i < values.length; i++) {
      Object.defineProperty(row, i, { value: values[i] });
      const column = r.columns[i]!;
      if (!Object.hasOwn(row, column)) {
        Object.defineProperty(row, column, {
          value: values[i],
          enumerable: true,
          configurable: true,
          writable: true,
        });
      }
    }
    return row;
  });
  return {
    columns: r.columns,
    columnTypes: r.columnTypes,
    rows,
    rowsAffected: r.rowsAffected,
    lastInsertRowid: r.lastInsertRowid,
    toJSON: () => ({ ...r, lastInsertRowid: r.lastInsertRowid?.toString() }),
  };
}

/** The worker's error as libsql threw it (its `code` and message, so asStorageFull and callers see the same). */
function toError(e: WorkerError): Error {
  if (e.name.startsWith('Libsql') && e.code !== undefined) {
    // LibsqlError prefixes the code again; the message already carries it.
    const err = new LibsqlError(e.message.replace(`${e.code}: `, ''), e.code, e.extendedCode, e.rawCode);
    err.name = e.name;
    return err;
  }
  return Object.assign(new Error(e.message), { name: e.name, code: e.code });
}
