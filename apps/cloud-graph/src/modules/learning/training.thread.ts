/**
 * Runs one of the training compute tasks (training.compute.ts) in a worker thread, so the seconds of
 * synchronous fitting leave the calling thread's event loop free (#19: in the embedded default the training
 * worker shares its process with the cloud API). One thread per call: its start-up (1–2 s, loading the libraries,
 * off this thread too) is small next to a training run, and nothing is left behind between jobs. The caller's
 * keep-alive (its heartbeat, run every few seconds while the thread works) keeps the job's lease; when it throws
 * (another worker owns the job now) the thread is terminated and the task fails with that error.
 */
import { Worker } from 'node:worker_threads';
import type { TrainingTasks } from './training.compute';

const ENTRY = new URL('./training.thread.entry.mjs', import.meta.url);

export type TaskName = keyof TrainingTasks;
export type TaskInput<K extends TaskName> = Parameters<TrainingTasks[K]>[0];
export type TaskResult<K extends TaskName> = ReturnType<TrainingTasks[K]>;

type ThreadMessage =
  | { type: 'line'; line: string }
  | { type: 'done'; result: unknown }
  | { type: 'error'; name: string; message: string; stack?: string; fields?: Record<string, unknown> };

/** An error thrown in the thread, rebuilt here with its name, message, stack and own fields. */
export class TrainingThreadError extends Error {
  constructor(m: Extract<ThreadMessage, { type: 'error' }>) {
    super(m.message);
    Object.assign(this, m.fields ?? {});
    Object.defineProperty(this, 'name', { value: m.name, configurable: true });
    if (m.stack) this.stack = m.stack;
  }
}

export function runInThread<K extends TaskName>(
  task: K,
  input: TaskInput<K>,
  opts: {
    /** Each progress line the task reports, as it reports it. */
    onLine?: (line: string) => void;
    /** Buffers handed over instead of copied (the caller must not use them afterwards). */
    transfer?: ArrayBuffer[];
    /** Called every `everyMs` while the thread runs, one call at a time; its rejection ends the task with it. */
    keepAlive?: { everyMs: number; beat: () => Promise<void> };
  } = {},
): Promise<TaskResult<K>> {
  const { keepAlive } = opts;
  const abort = new AbortController();
  let beating: Promise<void> = Promise.resolve();
  const timer = keepAlive
    ? setInterval(() => {
        beating = beating
          .then(() => (abort.signal.aborted ? undefined : keepAlive.beat()))
          .catch((err: unknown) => abort.abort(err));
      }, keepAlive.everyMs)
    : null;
  return run(task, input, { ...opts, signal: abort.signal }).finally(async () => {
    if (timer) clearInterval(timer);
    await beating;
  });
}

function run<K extends TaskName>(
  task: K,
  input: TaskInput<K>,
  opts: { onLine?: (line: string) => void; signal?: AbortSignal; transfer?: ArrayBuffer[] },
): Promise<TaskResult<K>> {
  return new Promise<TaskResult<K>>((resolve, reject) => {
    const worker = new Worker(ENTRY, {
      workerData: { task, input },
      ...(opts.transfer?.length ? { transferList: opts.transfer } : {}),
    });
    let settled = false;
    const settle = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      opts.signal?.removeEventListener('abort', onAbort);
      fn();
      void worker.terminate();
    };
    const onAbort = (): void => {
      const reason: unknown = opts.signal!.reason;
      settle(() => reject(reason instanceof Error ? reason : new Error(String(reason))));
    };
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    worker.on('message', (m: ThreadMessage) => {
      if (m.type === 'line') opts.onLine?.(m.line);
      else if (m.type === 'done') settle(() => resolve(m.result as TaskResult<K>));
      else settle(() => reject(new TrainingThreadError(m)));
    });
    worker.on('error', (err) => settle(() => reject(err)));
    worker.on('exit', (code) =>
      settle(() => reject(new Error(`training thread (${task}) exited with code ${code} before answering`))),
    );
  });
}
