/**
 * ImageQueryService with in-process fakes for everything around it (store, inference, detectors, cloud):
 * what is stored, inferred, escalated and answered for each kind of decision, and frames for many detectors.
 */
import { readFileSync } from 'node:fs';
import {
  DEFAULT_EDGE_CONFIG,
  DEFAULT_PRESETS,
  ExplanationSchema,
  inspectImage,
  type Detector,
  type DetectorAnswer,
  type Explanation,
  type ImageQuery,
} from '@intellioptics/schema';
import { describe, expect, it } from 'vitest';
import type { SyncEscalationResult } from '../escalation/sync-escalator';
import { predictionOf, type InferenceCall } from '../inference-client/inference.client';
import { createLogger } from '../logger';
import { EdgeMetrics } from '../metrics/metrics';
import type { NewImageQuery } from '../store/image-query.repository';
import type { StagedImage } from '../store/image.repository';
import { ImageQueryService } from './image-query.service';
import type { SubmitImageQuery } from './submit-image-query';

const JPEG = readFileSync(new URL('../../test/streams/fixtures/street_001.jpg', import.meta.url));
const IMAGE = { bytes: JPEG, info: inspectImage(JPEG) };
const CALLER = { token: 'user-token' };

function detector(id: string, over: Partial<Detector> = {}): Detector {
  return {
    id,
    type: 'detector',
    created_at: '2026-01-01T00:00:00.000Z',
    name: id,
    query: 'Is the door closed?',
    group_name: 'g',
    metadata: null,
    mode: 'BINARY',
    mode_configuration: null,
    confidence_threshold: 0.9,
    patience_time: 30,
    status: 'ON',
    escalation_type: 'STANDARD',
    ...over,
  };
}

/** A trained BINARY package's answer (in-domain, OODD version 1). */
const ok = (classIndex: number, confidence: number): InferenceCall => {
  const answer: DetectorAnswer = {
    detector_id: 'det',
    mode: 'BINARY',
    label: { index: classIndex, name: classIndex === 0 ? 'YES' : 'NO' },
    probabilities:
      classIndex === 0 ? { YES: confidence, NO: 1 - confidence } : { YES: 1 - confidence, NO: confidence },
    confidence,
    in_domain_probability: 1,
    adjusted_confidence: confidence,
    model_versions: { primary: { version: 1, model_id: 'mv_p' }, oodd: { version: 1, model_id: 'mv_o' } },
    answered_by: 'trained_model',
  };
  return { kind: 'ok', prediction: predictionOf(answer) };
};

interface Setup {
  detectors?: Detector[];
  presets?: Record<string, keyof typeof DEFAULT_PRESETS>;
  inference?: Record<string, InferenceCall>;
  cloud?: (iqId: string) => SyncEscalationResult;
  recordFails?: boolean;
}

function setup(s: Setup = {}) {
  const records: { image: StagedImage; queries: NewImageQuery[] }[] = [];
  const explained: { iqId: string; explanation: Explanation }[] = [];
  const updates: { id: string; json: string; final: boolean }[] = [];
  const inferCalls: string[][] = [];
  const claims: string[] = [];
  const released: string[] = [];
  const cloudCalls: { iqId: string; mode: 'askOnly' | 'sendStored'; order: number }[] = [];
  let step = 0;
  let recordedAt = -1;
  let wakes = 0;
  const known = new Map((s.detectors ?? [detector('det_a')]).map((d) => [d.id, d]));
  const answers = s.inference ?? {};
  const cloud = async (iqId: string, mode: 'askOnly' | 'sendStored'): Promise<SyncEscalationResult> => {
    cloudCalls.push({ iqId, mode, order: step++ });
    if (mode === 'sendStored') released.push(iqId);
    return (
      s.cloud?.(iqId) ?? {
        attempt: { delivery: 'retry', refused: false, cloudAnswered: false },
        imageQuery: null,
        detail: 'network: down',
      }
    );
  };
  const service = new ImageQueryService({
    imageQueries: {
      record: async (image, queries) => {
        if (s.recordFails) throw new Error('disk full');
        recordedAt = step++;
        records.push({ image, queries: [...queries] });
      },
      get: async (id) =>
        records.flatMap((r) => r.queries).some((q) => q.id === id)
          ? {
              id,
              detectorId: 'det_a',
              createdAt: 0,
              json: '{}',
              escalation: 'none',
              final: true,
              refreshedAt: null,
            }
          : null,
      update: async (id, json, final) => void updates.push({ id, json, final }),
    },
    explanations: {
      save: async (items) => void explained.push(...items),
    },
    inference: {
      infer: async (target) => {
        const id = typeof target === 'string' ? target : target.id;
        inferCalls.push([id]);
        return answers[id] ?? { kind: 'no_model' };
      },
      inferMany: async (targets) => {
        const ids = targets.map((t) => (typeof t === 'string' ? t : t.id));
        inferCalls.push(ids);
        return new Map(ids.map((id) => [id, answers[id] ?? { kind: 'no_model' }]));
      },
    },
    detectors: {
      get: async (id) => {
        const d = known.get(id);
        if (!d) throw new Error(`unknown detector ${id}`);
        return d;
      },
      markQueried: () => undefined,
    },
    config: {
      presetFor: (id) => DEFAULT_PRESETS[s.presets?.[id] ?? 'default'],
      config: {
        ...DEFAULT_EDGE_CONFIG,
        global_config: { ...DEFAULT_EDGE_CONFIG.global_config, confident_audit_rate: 0 },
      },
    },
    cloudStatus: { reachable: () => undefined },
    escalator: {
      claim: (id) => void claims.push(id),
      release: (id) => void released.push(id),
      askOnly: (send) => cloud(send.iqId, 'askOnly'),
      sendStored: (send) => cloud(send.iqId, 'sendStored'),
    },
    outbox: { wake: () => void wakes++ },
    metrics: new EdgeMetrics({ outboxDepth: () => 0, defaultMetrics: false }),
    log: createLogger('silent'),
    syncEscalationTimeoutMs: 2000,
    random: () => 0.5,
    now: () => Date.parse('2026-11-27T04:00:00.000Z'),
  });
  return {
    service,
    records,
    explained,
    updates,
    inferCalls,
    claims,
    released,
    cloudCalls,
    recordedAt: () => recordedAt,
    wakes: () => wakes,
  };
}

const command = (over: Partial<SubmitImageQuery> = {}): SubmitImageQuery => ({
  detectorId: 'det_a',
  image: IMAGE,
  humanReview: 'DEFAULT',
  wantAsync: false,
  confidenceThreshold: undefined,
  patienceTime: undefined,
  metadata: null,
  inspectionId: undefined,
  imageQueryId: undefined,
  ...over,
});

const parse = (json: string) => JSON.parse(json) as ImageQuery;

describe(ImageQueryService.name, () => {
  it('answers a confident query at the edge, stores exactly the JSON it returns, and escalates nothing', async () => {
    const t = setup({ inference: { det_a: ok(0, 0.97) } });
    const a = await t.service.submit(command({ metadata: { line: 3 } }), CALLER, 0);
    expect(a).toMatchObject({ reason: 'CONFIDENT', answeredBy: 'edge' });
    expect(a.imageQuery.result).toMatchObject({
      label: 'YES',
      confidence: 0.97,
      source: 'ALGORITHM',
      from_edge: true,
    });
    // The caller's metadata comes back as sent, with only the reference edge's is_from_edge.
    expect(a.imageQuery.metadata).toEqual({ line: 3, is_from_edge: true });
    expect(parse(a.json)).toEqual(a.imageQuery);
    expect(t.inferCalls).toEqual([['det_a']]);
    expect(t.records).toHaveLength(1);
    expect(t.records[0]!.image).toEqual({ contentType: 'image/jpeg', data: JPEG });
    expect(t.records[0]!.queries).toEqual([
      expect.objectContaining({ id: a.imageQuery.id, json: a.json, final: true, outbox: null }),
    ]);
    expect(t.cloudCalls).toEqual([]);
  });

  it('stores an explanation with each image query it keeps, its steps ending in the decision', async () => {
    const t = setup({ inference: { det_a: ok(0, 0.97) } });
    const a = await t.service.submit(command(), CALLER, 0);
    expect(t.explained).toHaveLength(1);
    const [{ iqId, explanation }] = t.explained as [(typeof t.explained)[number]];
    expect(iqId).toBe(a.imageQuery.id);
    expect(ExplanationSchema.parse(explanation)).toEqual(explanation);
    expect(explanation).toMatchObject({ image_query_id: iqId, label: 'YES', confidence: 0.97 });
    expect(explanation.steps.map((s) => s.kind)).toEqual(['observation', 'domain', 'confidence', 'decision']);
    expect(explanation.steps[3]!.data).toMatchObject({ reason: 'CONFIDENT', escalated: false });
  });

  it.each([
    ['below threshold', { inference: { det_a: ok(1, 0.6) } }, 'BELOW_THRESHOLD', /confidence is below/],
    ['no model', {}, 'NO_MODEL', /no edge model is installed/],
  ] as const)('says why it escalated (%s), and the escalation carries it', async (_n, s, reason, why) => {
    const t = setup(s);
    await t.service.submit(command(), CALLER, 0);
    const { explanation } = t.explained[0]!;
    const last = explanation.steps[explanation.steps.length - 1]!;
    expect(last).toMatchObject({ kind: 'decision', data: { reason, escalated: true } });
    expect(last.text).toMatch(why);
    expect(t.records[0]!.queries[0]!.outbox!.params.explanation).toEqual(explanation);
  });

  it('escalates an unsure answer in the background once per cooldown window (edge_answers_with_escalation)', async () => {
    const t = setup({ inference: { det_a: ok(1, 0.6) }, presets: { det_a: 'edge_answers_with_escalation' } });
    const first = await t.service.submit(command({ inspectionId: 'insp-1' }), CALLER, 0);
    const second = await t.service.submit(command(), CALLER, 0);
    expect(first).toMatchObject({ reason: 'BELOW_THRESHOLD', answeredBy: 'edge' });
    expect(first.imageQuery.done_processing).toBe(false);
    expect(t.records[0]!.queries[0]).toMatchObject({ final: false, outbox: { kind: 'escalation' } });
    expect(t.records[0]!.queries[0]!.outbox!.params).toEqual({
      patience_time: 30,
      confidence_threshold: 0.9,
      human_review: 'DEFAULT',
      metadata: expect.objectContaining({ reason: 'BELOW_THRESHOLD', inspection_id: 'insp-1' }) as unknown,
      explanation: t.explained[0]!.explanation,
    });
    expect(second.reason).toBe('COOLDOWN');
    expect(t.records[1]!.queries[0]).toMatchObject({ final: true, outbox: null });
    expect(t.wakes()).toBe(1);
  });

  it('stores the image query before asking the cloud, then keeps the cloud answer (default preset)', async () => {
    const cloudIq = (id: string): ImageQuery => ({
      ...parse('{}'),
      metadata: null,
      id,
      type: 'image_query',
      created_at: '2026-11-27T04:00:01.000Z',
      query: 'q',
      detector_id: 'det_a',
      result_type: 'binary_classification',
      result: {
        result_type: 'binary_classification',
        label: 'NO',
        confidence: 1,
        source: 'USER',
        from_edge: false,
      },
      patience_time: 30,
      confidence_threshold: 0.9,
      rois: null,
      text: null,
      done_processing: true,
    });
    const t = setup({
      inference: { det_a: ok(1, 0.6) },
      cloud: (id) => ({
        attempt: { delivery: 'delivered', refused: false, cloudAnswered: true },
        imageQuery: cloudIq(id),
        detail: null,
      }),
    });
    const a = await t.service.submit(command(), CALLER, 0);
    expect(a.answeredBy).toBe('cloud');
    expect(a.imageQuery.result).toMatchObject({ source: 'USER' });
    const id = a.imageQuery.id;
    expect(t.claims).toEqual([id]);
    expect(t.records[0]!.queries[0]).toMatchObject({ id, outbox: { kind: 'escalation' }, final: false });
    expect(t.cloudCalls).toEqual([{ iqId: id, mode: 'sendStored', order: t.recordedAt() + 1 }]);
    expect(t.updates).toEqual([{ id, json: a.json, final: true }]);
  });

  it('answers with the edge result while the cloud is unreachable, and makes it final when refused', async () => {
    const down = setup({ inference: { det_a: ok(1, 0.6) } });
    const a = await down.service.submit(command(), CALLER, 0);
    expect(a).toMatchObject({ answeredBy: 'edge', reason: 'BELOW_THRESHOLD' });
    expect(a.imageQuery.result).toMatchObject({ label: 'NO' });
    expect(a.imageQuery.done_processing).toBe(false);
    expect(down.updates).toEqual([]);

    const refused = setup({
      inference: { det_a: ok(1, 0.6) },
      cloud: () => ({
        attempt: { delivery: 'failed', refused: true, cloudAnswered: false },
        imageQuery: null,
        detail: '400: no',
      }),
    });
    const b = await refused.service.submit(command(), CALLER, 0);
    expect(b.imageQuery.done_processing).toBe(true);
    expect(refused.updates).toEqual([{ id: b.imageQuery.id, json: b.json, final: true }]);
  });

  it('keeps nothing for a disabled preset and passes the cloud refusal on as 400', async () => {
    const t = setup({
      presets: { det_a: 'disabled' },
      cloud: () => ({
        attempt: { delivery: 'retry', refused: true, cloudAnswered: false },
        imageQuery: null,
        detail: '403 FORBIDDEN: no',
      }),
    });
    await expect(t.service.submit(command(), CALLER, 0)).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      status: 400,
    });
    expect(t.inferCalls).toEqual([]);
    expect(t.records).toEqual([]);
    expect(t.cloudCalls.map((c) => c.mode)).toEqual(['askOnly']);
  });

  it('answers a model whose output does not fit the detector as if it had no model', async () => {
    const t = setup({
      detectors: [detector('det_a', { mode: 'MULTI_CLASS', mode_configuration: null })],
      inference: { det_a: ok(0, 0.99) },
    });
    const a = await t.service.submit(command(), CALLER, 0);
    expect(a).toMatchObject({ reason: 'NO_MODEL', answeredBy: 'edge_async' });
    // No class names: the prior has nothing to pick, so it answers UNCLEAR with confidence 0.
    expect(a.imageQuery.result).toEqual({
      result_type: 'multi_classification',
      label: 'UNCLEAR',
      confidence: 0,
      source: 'ALGORITHM',
      from_edge: true,
    });
    expect(a.imageQuery.metadata).toBeNull();
    expect(t.records[0]!.queries[0]!.outbox!.params.metadata).toEqual({
      reason: 'NO_MODEL',
      edge_result: null,
    });
  });

  describe('answers of the built-in models', () => {
    const personBox = (score: number) => ({
      geometry: { left: 0.1, top: 0.2, right: 0.3, bottom: 0.8, x: 0.2, y: 0.5 },
      label: 'person',
      score,
    });
    const builtin = (
      mode: DetectorAnswer['mode'],
      part: Partial<DetectorAnswer>,
      confidence: number,
    ): InferenceCall => ({
      kind: 'ok',
      prediction: predictionOf({
        detector_id: 'det_a',
        mode,
        label: { index: 0, name: mode },
        probabilities: {},
        confidence,
        in_domain_probability: null,
        adjusted_confidence: confidence,
        model_versions: { primary: { version: 0, model_id: 'builtin' }, oodd: null },
        ...part,
      }),
    });

    it('COUNT from the COCO detector: the count, greater_than_max and the boxes on the image query', async () => {
      const counter = detector('det_a', {
        mode: 'COUNT',
        mode_configuration: { class_name: 'person', max_count: 1 },
        confidence_threshold: 0.5,
      });
      const t = setup({
        detectors: [counter],
        inference: {
          det_a: builtin(
            'COUNT',
            {
              answered_by: 'coco_detector',
              count: { count: 1, greater_than_max: true, confidence: 0.8, rois: [personBox(0.9)] },
            },
            0.8,
          ),
        },
      });
      const a = await t.service.submit(command(), CALLER, 0);
      expect(a).toMatchObject({ reason: 'CONFIDENT', answeredBy: 'edge' });
      expect(a.imageQuery.result).toEqual({
        result_type: 'counting',
        count: 1,
        greater_than_max: true,
        confidence: 0.8,
        source: 'ALGORITHM',
        from_edge: true,
      });
      expect(a.imageQuery.rois).toEqual([personBox(0.9)]);
      expect(parse(a.json)).toEqual(a.imageQuery);
    });

    it('BOUNDING_BOX and TEXT carry their label, rois and text', async () => {
      const t = setup({
        detectors: [
          detector('det_a', { mode: 'BOUNDING_BOX', mode_configuration: { class_name: 'person' } }),
          detector('det_b', { mode: 'TEXT', mode_configuration: { value_max_length: 5 } }),
        ],
        inference: {
          det_a: builtin(
            'BOUNDING_BOX',
            {
              answered_by: 'coco_detector',
              boxes: { label: 'BOUNDING_BOX', rois: [personBox(0.95)], confidence: 0.95 },
            },
            0.95,
          ),
          det_b: builtin(
            'TEXT',
            { answered_by: 'ocr', text: { text: 'LOT 4', truncated: true, confidence: 0.97 } },
            0.97,
          ),
        },
      });
      const box = await t.service.submit(command(), CALLER, 0);
      expect(box.imageQuery.result).toMatchObject({ result_type: 'bounding_box', label: 'BOUNDING_BOX' });
      expect(box.imageQuery.rois).toEqual([personBox(0.95)]);
      const text = await t.service.submit(command({ detectorId: 'det_b' }), CALLER, 0);
      expect(text.imageQuery.result).toMatchObject({
        result_type: 'text_recognition',
        text: 'LOT 4',
        truncated: true,
        confidence: 0.97,
      });
      expect(text.imageQuery).toMatchObject({ text: 'LOT 4', rois: null });
    });

    it('a class no model knows escalates as NO_MODEL, answering the chance-level prior meanwhile', async () => {
      const t = setup({
        detectors: [
          detector('det_a', { mode: 'COUNT', mode_configuration: { class_name: 'pallet', max_count: 3 } }),
        ],
        inference: {
          det_a: builtin(
            'COUNT',
            { unanswered: { code: 'NO_MODEL_FOR_CLASS', detail: 'not a COCO class' } },
            0,
          ),
        },
      });
      const a = await t.service.submit(command({ metadata: { a: 1 } }), CALLER, 0);
      expect(a).toMatchObject({ reason: 'NO_MODEL', answeredBy: 'edge_async' });
      expect(a.imageQuery.result).toEqual({
        result_type: 'counting',
        count: null,
        confidence: 0.25,
        source: 'ALGORITHM',
        from_edge: true,
      });
      expect(a.imageQuery.metadata).toEqual({ a: 1 });
      expect(t.cloudCalls.map((c) => c.mode)).toEqual(['sendStored']);
    });
  });

  it('keeps its own result (here the prior) when the cloud answers a new detector with result null', async () => {
    const t = setup({
      cloud: (id) => ({
        attempt: { delivery: 'delivered', refused: false, cloudAnswered: true },
        imageQuery: {
          metadata: { a: 1 },
          id,
          type: 'image_query',
          created_at: '2026-11-27T04:00:01.000Z',
          query: 'q',
          detector_id: 'det_a',
          result_type: 'binary_classification',
          result: null,
          patience_time: 30,
          confidence_threshold: 0.9,
          rois: null,
          text: null,
          done_processing: false,
        },
        detail: null,
      }),
    });
    const a = await t.service.submit(command({ metadata: { a: 1 } }), CALLER, 0);
    expect(a).toMatchObject({ reason: 'NO_MODEL', answeredBy: 'cloud' });
    expect(a.imageQuery.result).toEqual({
      result_type: 'binary_classification',
      label: 'UNCLEAR',
      confidence: 0.5,
      source: 'ALGORITHM',
      from_edge: true,
    });
    expect(a.imageQuery.metadata).toEqual({ a: 1 });
    expect(t.updates.map((u) => JSON.parse(u.json) as ImageQuery)).toEqual([a.imageQuery]);
  });

  it('refuses an image query id the edge already has, before any inference', async () => {
    const t = setup({ inference: { det_a: ok(0, 0.97) } });
    const first = await t.service.submit(command({ imageQueryId: 'iq_mine1' }), CALLER, 0);
    expect(first.imageQuery.id).toBe('iq_mine1');
    await expect(t.service.submit(command({ imageQueryId: 'iq_mine1' }), CALLER, 0)).rejects.toMatchObject({
      code: 'ALREADY_EXISTS',
    });
    expect(t.inferCalls).toHaveLength(1);
  });

  it('gives back the claims and fails when the store cannot commit', async () => {
    const t = setup({ inference: { det_a: ok(1, 0.6) }, recordFails: true });
    await expect(t.service.submit(command(), CALLER, 0)).rejects.toThrow('disk full');
    expect(t.claims).toHaveLength(1);
    expect(t.released).toEqual(t.claims);
    expect(t.cloudCalls).toEqual([]);
  });

  describe('submitFrame', () => {
    const frame = (detectorIds: string[]) => ({
      detectorIds,
      image: IMAGE,
      metadata: { source: 'stream', stream: 'dock' },
    });

    it('stores one image for all the frame’s image queries and asks inference once', async () => {
      const t = setup({
        detectors: ['det_a', 'det_b', 'det_c'].map((id) => detector(id)),
        presets: { det_a: 'no_cloud', det_b: 'no_cloud', det_c: 'edge_answers_with_escalation' },
        inference: { det_a: ok(0, 0.97), det_b: ok(1, 0.95), det_c: ok(0, 0.5) },
      });
      const answers = await t.service.submitFrame(frame(['det_a', 'det_b', 'det_c']), 0);
      expect(answers.map((a) => a.ok && [a.detectorId, a.answer.reason])).toEqual([
        ['det_a', 'CONFIDENT'],
        ['det_b', 'CONFIDENT'],
        ['det_c', 'BELOW_THRESHOLD'],
      ]);
      expect(t.inferCalls).toEqual([['det_a', 'det_b', 'det_c']]);
      expect(t.records).toHaveLength(1);
      const { image, queries } = t.records[0]!;
      expect(image.data).toBe(JPEG);
      expect(queries.map((q) => q.detectorId)).toEqual(['det_a', 'det_b', 'det_c']);
      expect(queries.map((q) => q.outbox?.kind ?? null)).toEqual([null, null, 'escalation']);
      for (const q of queries) {
        expect(parse(q.json).metadata).toMatchObject({
          source: 'stream',
          stream: 'dock',
          is_from_edge: true,
        });
      }
    });

    it('answers the detectors it knows and names the ones it cannot', async () => {
      const t = setup({
        detectors: [detector('det_a')],
        presets: { det_a: 'no_cloud' },
        inference: { det_a: ok(0, 0.97) },
      });
      const answers = await t.service.submitFrame(frame(['det_gone', 'det_a']), 0);
      expect(answers[0]).toMatchObject({ detectorId: 'det_gone', ok: false });
      expect(answers[1]).toMatchObject({ detectorId: 'det_a', ok: true });
      expect(t.inferCalls).toEqual([['det_a']]);
      expect(t.records[0]!.queries).toHaveLength(1);
    });
  });
});
