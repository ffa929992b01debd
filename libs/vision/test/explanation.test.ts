/**
 * Explanations on real images through the real backbone: the linear evidence map is exact (cells + bias term =
 * the head's own logit margin, read back from its ONNX probabilities), points at the object on a composite
 * image, and the nearest-example index shipped in the package finds same-class training tiles.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Head, ModelPackage, SpatialFeatures } from '../src/index';
import {
  blankBaseline,
  buildDetectorPackages,
  buildNeighborIndex,
  fitMahalanobisOodd,
  fitSoftmaxRegression,
  installModelPackage,
  linearLogits,
  ModelExplainer,
  PACKAGE_FILES,
  readLinearHead,
  readModelPackage,
  VisionEngine,
} from '../src/index';
import { fixture, isTrainTile, textureFiles } from './fixtures.helper';

describe('explanations of a trained binary detector on real textures', () => {
  let engine: VisionEngine;
  let root: string;
  let pkg: ModelPackage;
  let bare: ModelPackage;
  let ooddBytes: Uint8Array;
  let head: Head;
  let explainer: ModelExplainer;
  let baseline: Float32Array;
  const held: { file: string; yes: boolean }[] = [];

  const spatial = async (bytes: Uint8Array): Promise<SpatialFeatures> =>
    (await engine.embedSpatialTensors([await engine.preprocess(bytes)]))[0]!;

  beforeAll(async () => {
    engine = await VisionEngine.create({ precision: 'fp32' });
    root = await mkdtemp(path.join(os.tmpdir(), 'io-explain-'));
    const train: { id: string; features: Float32Array; classIndex: number }[] = [];
    for (const t of ['brick', 'grass', 'gravel'] as const)
      for (const f of await textureFiles(t)) {
        if (!isTrainTile(f)) {
          held.push({ file: f, yes: t === 'brick' });
          continue;
        }
        const { features } = await engine.embed([await readFile(f)]);
        train.push({
          id: `iq_${t}_${path.basename(f)}`,
          features: features[0]!,
          classIndex: t === 'brick' ? 0 : 1,
        });
      }
    const X = train.map((e) => e.features);
    const y = train.map((e) => e.classIndex);
    const model = fitSoftmaxRegression(X, y, 2, { l2: 1e-2 });
    const build = (withIndex: boolean) =>
      buildDetectorPackages({
        primary: {
          model,
          temperature: 1.7,
          calibration: { method: 'temperature', temperature: 1.7, held_out_examples: 0 },
          training: { l2: 1e-2 },
          metrics: {},
          neighborIndex: withIndex ? buildNeighborIndex(train) : null,
        },
        oodd: { fit: fitMahalanobisOodd(X, y), training: {}, metrics: {} },
        pipeline: engine.pipeline,
        backbone: engine.backbone,
        metadata: {
          mode: 'BINARY',
          detectorId: 'det_brick',
          classNames: ['YES', 'NO'],
          createdAt: new Date(0).toISOString(),
        },
      });
    const { dir } = await installModelPackage(path.join(root, 'models'), 'det_brick', build(true).primary);
    pkg = await readModelPackage(dir);
    bare = build(false).primary;
    ooddBytes = build(false).oodd.modelBytes;
    head = await engine.loadHead(pkg);
    explainer = ModelExplainer.fromPackage(pkg);
    baseline = await blankBaseline(engine);
  });

  afterAll(async () => {
    await head?.release();
    await rm(root, { recursive: true, force: true });
  });

  it('reads the softmax head back from model.buf, temperature folded in', () => {
    const w = readLinearHead(pkg.modelBytes);
    expect(w).not.toBeNull();
    expect([w!.numClasses, w!.dim]).toEqual([2, 1792]);
    // the OODD head is no Gemm → Softmax graph: no linear map
    expect(readLinearHead(ooddBytes)).toBeNull();
    expect(readLinearHead(new Uint8Array([1, 2, 3]))).toBeNull();
  });

  it('is exact: evidence cells + bias term = the ONNX head logit margin, on every held-out tile', async () => {
    let worst = 0;
    let correct = 0;
    for (const { file, yes } of held) {
      const s = await spatial(await readFile(file));
      const [out] = await head.run([s.pooled]);
      if (out?.kind !== 'primary') throw new Error('no probabilities');
      const p = out.probabilities;
      const e = explainer.explain({
        probabilities: p,
        pooled: s.pooled,
        map: s.map,
        mapSize: 7,
        baseline,
        oodd: null,
      });
      expect(e.evidence).not.toBeNull();
      const label = p[0]! >= p[1]! ? 0 : 1;
      const bias = Number(e.steps[0]!.data!['evidence_base']);
      const sum = e.evidence!.values.reduce((a, v) => a + v, 0) + bias;
      // The ONNX head's own margin: log(p_label / p_other) = logit_label − logit_other.
      const margin = Math.log(p[label]! / p[1 - label]!);
      worst = Math.max(worst, Math.abs(sum - margin));
      // and the float64 logits of the pooled vector agree with the map's (pooled = mean of the map)
      const logits = linearLogits(readLinearHead(pkg.modelBytes)!, s.pooled);
      expect(sum).toBeCloseTo(logits[label]! - logits[1 - label]!, 4);
      if ((label === 0) === yes) correct++;
      expect(e.evidence!.label).toBe(label === 0 ? 'YES' : 'NO');
    }
    expect(correct).toBe(held.length);
    // float32 softmax probabilities limit the comparison, not the map
    expect(worst).toBeLessThan(2e-3);
  });

  it('points at a brick patch pasted on a blank canvas', async () => {
    const canvas = {
      create: { width: 448, height: 448, channels: 3 as const, background: { r: 128, g: 128, b: 128 } },
    };
    const brick = await sharp(await fixture('textures/brick/08.jpg'))
      .resize(160, 160)
      .toBuffer();
    let hits = 0;
    const spots = [
      [0, 0],
      [288, 0],
      [0, 288],
      [288, 288],
      [144, 144],
    ] as const;
    for (const [left, top] of spots) {
      const img = await sharp(canvas)
        .composite([{ input: brick, left, top }])
        .png()
        .toBuffer();
      const s = await spatial(img);
      const [out] = await head.run([s.pooled]);
      if (out?.kind !== 'primary') throw new Error('no probabilities');
      const ev = explainer.explain({
        probabilities: out.probabilities,
        pooled: s.pooled,
        map: s.map,
        mapSize: 7,
        baseline,
        oodd: null,
      });
      // Support for YES: when the model says NO the map supports NO, so flip it.
      const values = ev.evidence!.label === 'YES' ? ev.evidence!.values : ev.evidence!.values.map((v) => -v);
      const peak = values.indexOf(Math.max(...values));
      const [row, col] = [Math.floor(peak / 7), peak % 7];
      const cell = 448 / 7;
      const inside = (v: number, start: number) => v * cell + cell > start && v * cell < start + 160;
      if (inside(col, left) && inside(row, top)) hits++;
    }
    expect(hits).toBeGreaterThanOrEqual(4);
  });

  it('finds same-class training tiles as nearest labelled examples, from the index in the package', async () => {
    const meta = JSON.parse(await readFile(path.join(pkg.dir!, PACKAGE_FILES.metadata), 'utf8'));
    expect(meta.neighbor_index.image_query_ids).toHaveLength(24);
    let agree = 0;
    for (const { file, yes } of held) {
      const s = await spatial(await readFile(file));
      const [out] = await head.run([s.pooled]);
      if (out?.kind !== 'primary') throw new Error('no probabilities');
      const e = explainer.explain({
        probabilities: out.probabilities,
        pooled: s.pooled,
        map: s.map,
        mapSize: 7,
        oodd: null,
        neighbors: 3,
      });
      expect(e.neighbors).toHaveLength(3);
      for (const n of e.neighbors) {
        expect(n.image_query_id).toMatch(/^iq_/);
        expect(n.similarity).toBeGreaterThanOrEqual(-1);
        expect(n.similarity).toBeLessThanOrEqual(1);
      }
      expect(e.neighbors[0]!.similarity).toBeGreaterThanOrEqual(e.neighbors[2]!.similarity);
      if (e.neighbors[0]!.label === (yes ? 'YES' : 'NO')) agree++;
    }
    expect(agree).toBe(held.length);
  });

  it('a package without an index explains without neighbours; no map without the spatial features', async () => {
    const s = await spatial(await fixture('textures/brick/09.jpg'));
    const e = ModelExplainer.fromPackage(bare).explain({
      probabilities: [0.9, 0.1],
      pooled: s.pooled,
      mapSize: 7,
      oodd: null,
    });
    expect(e.neighbors).toEqual([]);
    expect(e.evidence).toBeNull();
    expect(e.steps[0]).toMatchObject({ kind: 'observation', data: { label: 'YES', confidence: 0.9 } });
  });
});
