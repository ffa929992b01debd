/**
 * Observability (ticket #17 item 5): the training worker's `/metrics` (open, or behind METRICS_TOKEN), and the
 * cloud's review-queue depth, time to a human answer, answer and escalation counts per detector, read from a
 * real server's `/metrics` after real submissions and labels.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { composeCloud, type Cloud } from '../src/composition';
import { parseEnv } from '../src/config/env';
import { trainingWorkerConfig } from '../src/modules/learning/training.config';
import { createLogger } from '../src/ops/logger';
import { buildWorkerProcess, type WorkerProcess } from '../src/worker.process';
import { api, startCloudForTests, type TestCloud } from './support/test-cloud';
import { tinyJpeg } from './support/images';
import { createTestDatabase, type TestDatabase } from './support/test-db';

const METRICS_TOKEN = 'metrics-secret-0123456789';

/** The value of one sample line (`name{labels} value`) in a Prometheus text page; null when absent. */
function sample(page: string, name: string, labels: Record<string, string> = {}): number | null {
  for (const line of page.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-z_]+)(?:\{([^}]*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got = Object.fromEntries(
      (m[2] ?? '')
        .split(',')
        .filter(Boolean)
        .map((kv) => {
          const [k, v] = kv.split('=');
          return [k!, v!.replace(/^"|"$/g, '')];
        }),
    );
    if (Object.entries(labels).every(([k, v]) => got[k] === v)) return Number(m[3]);
  }
  return null;
}

describe('cloud /metrics', () => {
  let t: TestCloud;
  let call: ReturnType<typeof api>;
  beforeAll(async () => {
    t = await startCloudForTests({ envOverrides: { METRICS_TOKEN } });
    call = api(t.url);
  });
  afterAll(async () => {
    await t?.close();
  });

  const scrape = async () => {
    const res = await fetch(`${t.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(res.status).toBe(200);
    return res.text();
  };

  it('wants the metrics token when one is set', async () => {
    expect((await fetch(`${t.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${t.url}/metrics`, { headers: { authorization: 'Bearer nope' } })).status).toBe(401);
  });

  it('shows the review-queue depth, escalations and human answers per detector, and time to a human answer', async () => {
    const det = await t.services.detectors.create({ name: 'obs', query: 'Obs?' });
    const iqs: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await call(`/v1/image-queries?detector_id=${det.id}`, {
        method: 'POST',
        token: t.tokens.hub,
        headers: { 'content-type': 'image/jpeg' },
        body: tinyJpeg(),
      });
      expect(res.status).toBe(201);
      iqs.push((res.json as { id: string }).id);
    }
    let page = await scrape();
    expect(sample(page, 'cloud_graph_review_queue_depth', { state: 'QUEUED' })).toBe(3);
    expect(sample(page, 'cloud_graph_escalations_created_total', { detector_id: det.id })).toBe(3);
    expect(sample(page, 'cloud_graph_human_answers_total', { detector_id: det.id })).toBeNull();

    const res = await call('/v1/labels', {
      method: 'POST',
      token: t.tokens.reviewer,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ image_query_id: iqs[0], label: 'YES' }),
    });
    expect(res.status).toBe(201);
    page = await scrape();
    expect(sample(page, 'cloud_graph_review_queue_depth', { state: 'QUEUED' })).toBe(2);
    expect(sample(page, 'cloud_graph_human_answers_total', { detector_id: det.id })).toBe(1);
    expect(sample(page, 'cloud_graph_time_to_human_answer_seconds_count', { detector_id: det.id })).toBe(1);
    expect(
      sample(page, 'cloud_graph_time_to_human_answer_seconds_bucket', { detector_id: det.id, le: '+Inf' }),
    ).toBe(1);
    expect(sample(page, 'cloud_graph_training_queue_depth', { state: 'QUEUED' })).toBe(0);
  });
});

describe('worker /metrics', () => {
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
    proc = buildWorkerProcess(cloud, trainingWorkerConfig({}, { workerId: 'obs-worker', pollMs: 100 }));
    ({ url } = await proc.start(0, '127.0.0.1'));
  });
  afterAll(async () => {
    await proc?.close();
    await cloud?.close();
    await db?.drop();
  });

  it('serves the training and queue metrics on the health port', async () => {
    // The loop is stopped so this test runs the job itself; the health server keeps serving.
    await proc.worker.stop();
    const scrape = async () => {
      const res = await fetch(`${url}/metrics`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/text\/plain/);
      return res.text();
    };
    // A job the worker cannot train (no labels): it runs to FAILED and is counted.
    const det = await cloud.services.detectors.create({ name: 'obs-w', query: 'W?' });
    expect((await cloud.services.learning.requestTraining(det.id)).ok).toBe(true);
    expect(sample(await scrape(), 'cloud_graph_training_queue_depth', { state: 'QUEUED' })).toBe(1);
    expect(sample(await scrape(), 'cloud_graph_training_jobs_total', { outcome: 'FAILED' })).toBeNull();
    expect((await proc.worker.runOnce())?.state).toBe('FAILED');
    const page = await scrape();
    expect(sample(page, 'cloud_graph_training_jobs_total', { outcome: 'FAILED' })).toBe(1);
    expect(sample(page, 'cloud_graph_training_duration_seconds_count')).toBe(1);
    expect(sample(page, 'cloud_graph_training_queue_depth', { state: 'QUEUED' })).toBe(0);
    expect(sample(page, 'cloud_graph_training_queue_depth', { state: 'RUNNING' })).toBe(0);
    expect(page).toContain('process_cpu_seconds_total');
  });
});
