/** Logic of the explanation parts on synthetic numbers (the real-image tests are test/explanation.test.ts). */
import { describe, expect, it } from 'vitest';
import { buildSoftmaxHead } from '../heads/softmax.head';
import { mulberry32 } from '../training/stratified-split';
import { builtinExplanation } from './builtin-explanation';
import { linearEvidence, linearLogits, readLinearHead } from './linear-evidence';
import { evidenceReference } from './model-explainer';
import { buildNeighborIndex, NeighborIndex } from './neighbor-index';

const rng = mulberry32(7);
const vec = (dim: number, centre: number): Float32Array =>
  Float32Array.from({ length: dim }, () => centre + rng() - 0.5);

describe('linear evidence', () => {
  it('cells + base term = the logit margin for any reference, against the runner-up of three classes', () => {
    const dim = 6;
    const size = 3;
    const weights = Float32Array.from({ length: 3 * dim }, () => rng() - 0.5);
    const head = readLinearHead(
      buildSoftmaxHead({ weights, bias: [0.3, -0.2, 0.1], numClasses: 3, dim, temperature: 2 }),
    )!;
    const map = Float32Array.from({ length: dim * size * size }, () => rng() * 6);
    const pooled = Float32Array.from({ length: dim }, (_, j) => {
      let s = 0;
      for (let p = 0; p < size * size; p++) s += map[j * size * size + p]!;
      return s / (size * size);
    });
    const logits = linearLogits(head, pooled);
    const order = [0, 1, 2].sort((a, b) => logits[b]! - logits[a]!);
    const probs = logits.map((l) => Math.exp(l));
    for (const ref of [null, Float32Array.from(map, () => rng())]) {
      const ev = linearEvidence(head, map, size, order[0]!, probs, ref)!;
      expect(ev.against).toBe(order[1]);
      const sum = ev.values.reduce((a, v) => a + v, 0) + ev.baseTerm;
      expect(sum).toBeCloseTo(logits[order[0]!]! - logits[order[1]!]!, 5);
    }
    // temperature folded: the head's logits are the raw ones / 2
    expect(head.bias[0]).toBeCloseTo(0.15, 6);
    expect(linearEvidence(head, map.subarray(1), size, 0, probs)).toBeNull();
  });

  it('the reference keeps the blank map pattern around the training mean', () => {
    const blank = Float32Array.from([1, 3, 5, 7]); // dim 2, 2 cells
    const r = evidenceReference(blank, Float32Array.from([10, 20]));
    expect(Array.from(r)).toEqual([9, 11, 19, 21]);
    expect(evidenceReference(blank, null)).toBe(blank);
  });
});

describe('neighbour index', () => {
  const examples = Array.from({ length: 60 }, (_, i) => ({
    id: `iq_${i}`,
    classIndex: i < 50 ? 0 : 1,
    features: vec(64, i < 50 ? 1 : 3),
  }));

  it('finds the same cluster, most similar first, and caps the examples keeping the rare class', () => {
    const meta = buildNeighborIndex(examples, { maxExamples: 20, projectedDim: 32 })!;
    expect(meta.image_query_ids).toHaveLength(20);
    expect(meta.labels.filter((l) => l === 1)).toHaveLength(10);
    expect(meta.sampled_from).toBe(60);
    expect(buildNeighborIndex(examples, { maxExamples: 20, projectedDim: 32 })).toEqual(meta);
    const index = NeighborIndex.load(JSON.parse(JSON.stringify(meta)), 64)!;
    const hits = index.search(vec(64, 3), 5);
    expect(hits.map((h) => h.classIndex)).toEqual([1, 1, 1, 1, 1]);
    for (let i = 1; i < hits.length; i++)
      expect(hits[i - 1]!.similarity).toBeGreaterThanOrEqual(hits[i]!.similarity);
    // the query's own example is its nearest neighbour
    const own = index.search(examples[55]!.features, 1)[0]!;
    expect(meta.image_query_ids).toContain(own.imageQueryId);
  });

  it('refuses a malformed or foreign index (no neighbours, the package still serves)', () => {
    const meta = buildNeighborIndex(examples, { projectedDim: 16 })!;
    expect(NeighborIndex.load(meta, 65)).toBeNull();
    expect(NeighborIndex.load({ ...meta, codes: 'AAAA' }, 64)).toBeNull();
    expect(NeighborIndex.load({ ...meta, method: 'other' }, 64)).toBeNull();
    expect(NeighborIndex.load(undefined, 64)).toBeNull();
    expect(buildNeighborIndex([])).toBeNull();
  });
});

describe('built-in explanations', () => {
  const base = {
    detector_id: 'd',
    probabilities: {},
    confidence: 0.8,
    in_domain_probability: null,
    adjusted_confidence: 0.8,
    model_versions: { primary: { version: 0, model_id: 'builtin' }, oodd: null },
  };
  const roi = (label: string, score: number) => ({
    label,
    score,
    geometry: { left: 0, top: 0, right: 0.5, bottom: 0.5, x: 0.25, y: 0.25 },
  });

  it('names the counted boxes, the box answer and the text read', () => {
    const count = builtinExplanation({
      ...base,
      mode: 'COUNT',
      label: { index: 2, name: '2' },
      count: {
        count: 2,
        greater_than_max: false,
        confidence: 0.8,
        rois: [roi('person', 0.9), roi('person', 0.7)],
      },
    });
    expect(count.steps[0]!.text).toBe(
      'The COCO object detector found 2 boxes (2 person; best score 0.90): count 2, set confidence 80.0%.',
    );
    expect(count).toMatchObject({ evidence: null, neighbors: [] });
    const text = builtinExplanation({
      ...base,
      mode: 'TEXT',
      label: { index: 0, name: 'AB12' },
      text: { text: 'AB12', truncated: true, confidence: 0.8 },
    });
    expect(text.steps[0]!.text).toBe('The OCR read "AB12" (cut at value_max_length) with confidence 80.0%.');
  });
});
