/** The training worker process, built in-process: its health server answers for the job loop and the database. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { composeCloud, type Cloud } from '../src/composition';
import { parseEnv } from '../src/config/env';
import { trainingWorkerConfig } from '../src/modules/learning/training.config';
import { createLogger } from '../src/ops/logger';
import { buildWorkerProcess, type WorkerProcess } from '../src/worker.process';
import { createTestDatabase, type TestDatabase } from './support/test-db';

let db: TestDatabase;
let cloud: Cloud;
let proc: WorkerProcess;
let url: string;

beforeAll(async () => {
  db = await createTestDatabase();
  const env = parseEnv({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATABASE_URL: db.url,
    DATABASE_POOL_MAX: '2',
  });
  cloud = await composeCloud(env, createLogger(env.log.level));
  proc = buildWorkerProcess(cloud, trainingWorkerConfig({}, { workerId: 'worker-test', pollMs: 100 }));
  ({ url } = await proc.start(0, '127.0.0.1'));
});

afterAll(async () => {
  await proc?.close();
  await cloud?.close();
  await db?.drop();
});

describe('worker process', () => {
  it('is live and ready while the loop runs and the database answers, not ready once the database is gone', async () => {
    expect((await fetch(`${url}/health/live`)).status).toBe(200);
    const ready = await fetch(`${url}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready' });

    await db.drop();
    const gone = await fetch(`${url}/health/ready`);
    expect(gone.status).toBe(503);
    expect(await gone.json()).toEqual({ detail: 'not ready', code: 'NOT_READY' });
    expect((await fetch(`${url}/health/live`)).status).toBe(200);
  });

  it('stops listening once closed', async () => {
    await proc.close();
    await expect(fetch(`${url}/health/live`)).rejects.toThrow();
  });
});
