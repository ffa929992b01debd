// The worker thread's entry (training.thread.ts). Plain JavaScript so that it loads without a TypeScript
// loader: a process started with `node --import tsx` passes that on to its workers, vitest's does not, so
// the compute module is loaded through tsx's scoped import either way.
import { parentPort, workerData } from 'node:worker_threads';
import { tsImport } from 'tsx/esm/api';

const post = (message) => parentPort.postMessage(message);
try {
  const { TRAINING_TASKS } = await tsImport('./training.compute.ts', import.meta.url);
  const run = TRAINING_TASKS[workerData.task];
  if (!run) throw new Error(`unknown training task ${workerData.task}`);
  post({ type: 'done', result: run(workerData.input, (line) => post({ type: 'line', line })) });
} catch (err) {
  const e = err instanceof Error ? err : new Error(String(err));
  // Own enumerable fields (e.g. NotEnoughLabelsError's examplesPerClass) cross by structured clone too.
  const error = { type: 'error', name: e.name, message: e.message, stack: e.stack };
  try {
    post({ ...error, fields: { ...e } });
  } catch {
    post(error); // a field structured clone cannot copy
  }
}
