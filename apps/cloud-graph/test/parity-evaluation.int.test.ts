/**
 * `/v1/detectors/{id}/evaluation` and `/metrics` with numbers from the real learning loop: texture images
 * submitted and labelled through REST, one training job run by the worker, then the cloud's own answers with
 * the published model (predictor `vision`) counted as ML answers.
 */
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTrainingWorker } from '../src/composition';
import { immediateTrainingConfig } from './support/learning-rig';
import { api, startCloudForTests, type TestCloud } from './support/test-cloud';
import { responseSpecErrors } from './helpers/openapi';

const TEXTURES = path.resolve(import.meta.dirname, '../../../libs/vision/test/fixtures/textures');
const TYPES: Record<string, string> = { '.jpg': 'image/jpeg', '.png': 'image/png', '.webp': 'image/webp' };

let t: TestCloud;
let call: ReturnType<typeof api>;

beforeAll(async () => {
  t = await startCloudForTests({ predictor: 'vision' });
  call = api(t.url);
});
afterAll(async () => {
  await t?.close();
});

async function submitFile(detectorId: string, texture: string, file: string) {
  const res = await call(`/v1/image-queries?detector_id=${detectorId}`, {
    method: 'POST',
    token: t.tokens.admin,
    headers: { 'content-type': TYPES[path.extname(file)]! },
    body: await readFile(path.join(TEXTURES, texture, file)),
  });
  expect(res.status, res.text).toBe(201);
  return res.json as { id: string; result: { label: string; source: string; confidence: number } | null };
}

describe('evaluation from the learning loop', () => {
  it('reports the held-out balanced accuracy and class counts of the published model', async () => {
    const created = await call('/v1/detectors', {
      method: 'POST',
      token: t.tokens.admin,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'brick-eval', query: 'Is it brick?', confidence_threshold: 0.8 }),
    });
    const detectorId = (created.json as { id: string }).id;
    const files = async (texture: string) => (await readdir(path.join(TEXTURES, texture))).sort();
    const brick = await files('brick');
    const grass = await files('grass');
    for (const [texture, list, label] of [
      ['brick', brick.slice(0, 6), 'YES'],
      ['grass', grass.slice(0, 6), 'NO'],
    ] as const) {
      for (const file of list) {
        const iq = await submitFile(detectorId, texture, file);
        const res = await call('/v1/labels', {
          method: 'POST',
          token: t.tokens.reviewer,
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ image_query_id: iq.id, label }),
        });
        expect(res.status, res.text).toBe(201);
      }
    }
    const before = await call(`/v1/detectors/${detectorId}/evaluation`, { token: t.tokens.admin });
    expect(before.json).toEqual({ evaluation_results: null });

    const worker = createTrainingWorker(t.cloud, immediateTrainingConfig({ workerId: 'parity-eval' }));
    expect(await worker.schedule()).toHaveLength(1);
    const job = await worker.runOnce();
    expect(job).toMatchObject({ state: 'SUCCEEDED', outcome: 'PUBLISHED', label_count: 12 });
    const recall = (job!.result!.candidateEvaluation as { perClassRecall: Record<string, number> })
      .perClassRecall;

    const res = await call(`/v1/detectors/${detectorId}/evaluation`, { token: t.tokens.reviewer });
    expect(res.status).toBe(200);
    expect(responseSpecErrors('/v1/detectors/{id}/evaluation', 'get', 200, res.json)).toEqual([]);
    const e = res.json.evaluation_results;
    expect(e.eval_timestamp).toBe(job!.finished_at!.toISOString());
    expect(e.total_ground_truth_examples).toBe(12);
    expect(e.total_labeled_examples).toBe(12);
    expect(e.kfold_pooled__positive_accuracy).toBe(recall.YES);
    expect(e.kfold_pooled__negative_accuracy).toBe(recall.NO);
    expect(e.kfold_pooled__balanced_accuracy).toBeCloseTo((recall.YES! + recall.NO!) / 2, 12);
    // Brick and grass are easy to tell apart: well above chance on the held-out images.
    expect(e.kfold_pooled__balanced_accuracy).toBeGreaterThan(0.5);
    expect(e.num_examples_per_class).toEqual(job!.result!.examplesPerClass);
    expect(Object.values(e.num_examples_per_class as Record<string, number>).reduce((a, b) => a + b, 0)).toBe(
      12,
    );

    // The cloud now answers with that model: its answers count as ML answers, per class.
    const answers = [
      await submitFile(detectorId, 'brick', brick[11]!),
      await submitFile(detectorId, 'grass', grass[11]!),
    ];
    const metrics = await call(`/v1/detectors/${detectorId}/metrics`, { token: t.tokens.admin });
    const summary = metrics.json.summary;
    expect(summary.total_iqs).toBe(14);
    expect(summary.class_counts.cloud_labeler).toEqual({ YES: 6, NO: 6 });
    const ml: Record<string, number> = {};
    const unconfident: Record<string, number> = {};
    for (const a of answers.filter((x) => x.result && x.result.source !== 'USER')) {
      ml[a.result!.label] = (ml[a.result!.label] ?? 0) + 1;
      if (a.result!.confidence < 0.8) unconfident[a.result!.label] = (unconfident[a.result!.label] ?? 0) + 1;
    }
    expect(Object.keys(ml).length).toBeGreaterThan(0);
    expect(summary.class_counts.source_ml).toEqual(ml);
    expect(summary.unconfident_counts).toEqual(unconfident);
  });
});
