/**
 * The answerer's plumbing with a fake inference (logic only; compound.int.test.ts runs the real services):
 * parts asked once beside the image's plain detectors, crop-only detectors asked only on crops (one call per
 * box, a real JPEG crop), zones taken from the streams feeding the compound detector, missing parts unknown.
 */
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { Detector, DetectorAnswer, Roi } from '@intellioptics/schema';
import { DEFAULT_EDGE_CONFIG, type EdgeConfig } from '@intellioptics/schema';
import type { InferenceCall } from '../inference-client/inference.client';
import { predictionOf } from '../inference-client/inference.client';
import { CompoundAnswerer, type CompoundImage } from './compound-answerer';

const P = 'det_000000000000000000000person';
const H = 'det_000000000000000000000helmet';
const X = 'det_0000000000000000000000plain';
const C = 'det_000000000000000000compound';

const detector = (id: string, mode: Detector['mode'], rule?: Record<string, unknown>): Detector => ({
  id,
  type: 'detector',
  created_at: '2026-12-02T00:00:00Z',
  name: id.slice(-6),
  query: '?',
  group_name: 'default',
  metadata: null,
  mode,
  mode_configuration: mode === 'COUNT' ? { class_name: 'person', max_count: 10 } : null,
  confidence_threshold: 0.75,
  patience_time: 30,
  status: 'ON',
  escalation_type: 'STANDARD',
  ...(rule ? { rule } : {}),
});

const roi = (left: number, top: number, right: number, bottom: number): Roi => ({
  label: 'person',
  score: 0.9,
  geometry: { left, top, right, bottom, x: (left + right) / 2, y: (top + bottom) / 2 },
});

const answer = (id: string, over: Partial<DetectorAnswer>): InferenceCall => ({
  kind: 'ok',
  prediction: predictionOf({
    detector_id: id,
    mode: 'BINARY',
    label: { index: 0, name: 'YES' },
    probabilities: {},
    confidence: 0.9,
    in_domain_probability: null,
    adjusted_confidence: 0.9,
    model_versions: { primary: { version: 1, model_id: 'm' }, oodd: null },
    ...over,
  }),
});

const people = (rois: Roi[]) =>
  answer(P, {
    mode: 'COUNT',
    label: { index: rois.length, name: String(rois.length) },
    count: { count: rois.length, greater_than_max: false, confidence: 0.9, rois },
  });

function setup(rule: Record<string, unknown>, config: EdgeConfig = DEFAULT_EDGE_CONFIG) {
  const known = new Map([P, H, X].map((id) => [id, detector(id, id === P ? 'COUNT' : 'BINARY')]));
  const asked: { ids: string[]; bytes: number }[] = [];
  const answerer = new CompoundAnswerer({
    detectors: {
      get: async (id) => {
        const d = known.get(id);
        if (!d) throw new Error(`No detector has the id ${id}.`);
        return d;
      },
      markQueried: () => undefined,
    },
    config: { config },
    log: { error: () => undefined } as never,
  });
  return { answerer, asked, compound: detector(C, 'BINARY', rule), plain: known.get(X)! };
}

async function image(): Promise<CompoundImage> {
  const data = await sharp({ create: { width: 200, height: 100, channels: 3, background: '#888' } })
    .jpeg()
    .toBuffer();
  return { data: new Uint8Array(data), contentType: 'image/jpeg' };
}

const ruleStep = (call: InferenceCall | undefined) =>
  call?.kind === 'ok' ? (call.prediction.answer.explanation?.steps ?? []).map((s) => s.text) : [];

describe('CompoundAnswerer', () => {
  it('asks the parts and the plain detectors in one call, answers the rule as BINARY with its trace', async () => {
    const { answerer, asked, compound, plain } = setup({
      all: [{ detector: P, count: { gte: 1 } }, { not: { detector: H, label: 'YES' } }],
    });
    const calls = await answerer.infer([compound, plain], await image(), async (ds) => {
      asked.push({ ids: ds.map((d) => d.id), bytes: 0 });
      return new Map(
        ds.map((d) => [
          d.id,
          d.id === P ? people([roi(0.1, 0.1, 0.3, 0.9)]) : answer(d.id, { label: { index: 1, name: 'NO' } }),
        ]),
      );
    });
    expect(asked.map((a) => a.ids.sort())).toEqual([[X, P, H].sort()]);
    expect([...calls.keys()].sort()).toEqual([X, C].sort());
    const c = calls.get(C);
    expect(c?.kind === 'ok' && c.prediction.answer).toMatchObject({
      mode: 'BINARY',
      label: { name: 'YES' },
      confidence: 0.9,
    });
    expect(ruleStep(c)).toHaveLength(3);
  });

  it('a per-object question asks the detector on each box crop only (JPEG crops, one call each)', async () => {
    const { answerer, compound } = setup({ detector: H, label: 'YES', on: P });
    const seen: { ids: string[]; crop: { width?: number; height?: number } | null }[] = [];
    const calls = await answerer.infer([compound], await image(), async (ds, crop) => {
      seen.push({ ids: ds.map((d) => d.id), crop: crop ? await sharp(crop.data).metadata() : null });
      return new Map(
        ds.map((d) => [d.id, d.id === P ? people([roi(0, 0, 0.5, 1), roi(0.5, 0, 1, 1)]) : answer(d.id, {})]),
      );
    });
    expect(seen[0]).toEqual({ ids: [P], crop: null });
    expect(seen.slice(1).map((s) => [s.ids, s.crop?.width, s.crop?.height])).toEqual([
      [[H], 110, 100],
      [[H], 110, 100],
    ]);
    const steps = ruleStep(calls.get(C));
    expect(steps.filter((t) => t.includes(' on box '))).toHaveLength(2);
    expect(steps.at(-1)).toContain('all 2 crops');
  });

  it('zones come from the streams that feed the compound detector; a missing part is unknown', async () => {
    const config: EdgeConfig = {
      ...DEFAULT_EDGE_CONFIG,
      streams: {
        yard: {
          url: 'rtsp://cam/1',
          detector_ids: [C],
          fps: 1,
          transport: 'tcp',
          zones: [{ name: 'door', box: { x: 0, y: 0, width: 0.5, height: 1 } }],
        },
      },
    };
    const { answerer, compound } = setup({ all: [{ detector: P, inside: 'door' }] }, config);
    const calls = await answerer.infer(
      [compound],
      await image(),
      async (ds) => new Map(ds.map((d) => [d.id, people([roi(0.1, 0.1, 0.3, 0.9)])])),
    );
    expect(ruleStep(calls.get(C)).at(-1)).toContain('inside "door" (1 of 1 boxes): true');

    const missing = setup({ any: [{ detector: 'det_00000000000000000000missing', label: 'YES' }] });
    const r = await missing.answerer.infer([missing.compound], await image(), async () => new Map());
    const m = r.get(C);
    expect(m?.kind === 'ok' && m.prediction.answer.unanswered?.detail).toContain('has no answer');
  });
});
