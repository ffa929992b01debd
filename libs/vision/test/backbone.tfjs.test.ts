/**
 * The converted ONNX backbone must compute the same 1792-d features as the original TF.js graph run by
 * TensorFlow.js's pure-JS CPU backend, on real images preprocessed by our pipeline.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  FEATURE_MAP_NODE,
  featureNodeName,
  preprocessImage,
  readTfjsModelSource,
  VisionEngine,
} from '../src/index';
import { fixture } from './fixtures.helper';

const IMAGES = ['photos/chelsea.jpg', 'textures/brick/00.jpg', 'ood/digits-3.png'];

describe('backbone conversion', () => {
  let engine: VisionEngine;
  beforeAll(async () => {
    engine = await VisionEngine.create();
    await tf.setBackend('cpu');
  });

  it('matches tfjs (cpu backend) within 1e-4 on real images, batched', async () => {
    const source = await readTfjsModelSource();
    const model = await tf.loadGraphModel(
      tf.io.fromMemory({
        modelTopology: source.model.modelTopology as never,
        weightSpecs: source.weightSpecs as never,
        weightData: source.weightData.slice().buffer,
      }),
    );
    const n = IMAGES.length;
    const size = 224;
    const nchw = await Promise.all(IMAGES.map(async (f) => (await preprocessImage(await fixture(f))).tensor));
    // tfjs takes NHWC; same pixels, re-interleaved.
    const nhwc = new Float32Array(n * size * size * 3);
    nchw.forEach((t, i) => {
      for (let c = 0; c < 3; c++)
        for (let p = 0; p < size * size; p++) nhwc[(i * size * size + p) * 3 + c] = t[c * size * size + p]!;
    });
    // The spatial map (NHWC [n,7,7,1792] in tfjs, NCHW [1792,7,7] per image here) comes from the same run.
    const mapNode = source.model.modelTopology.node.find((x) => x.name.endsWith(FEATURE_MAP_NODE))!.name;
    const [out, mapT] = model.execute(tf.tensor4d(nhwc, [n, size, size, 3]), [
      featureNodeName(source),
      mapNode,
    ]) as [tf.Tensor, tf.Tensor];
    expect(out.shape).toEqual([n, 1792]);
    const expected = await out.data();
    const actual = await engine.embedTensors(nchw);

    let maxDiff = 0;
    let maxAbs = 0;
    actual.forEach((f, i) => {
      for (let j = 0; j < 1792; j++) {
        maxDiff = Math.max(maxDiff, Math.abs(f[j]! - expected[i * 1792 + j]!));
        maxAbs = Math.max(maxAbs, Math.abs(expected[i * 1792 + j]!));
      }
    });
    expect(maxAbs).toBeGreaterThan(0.5); // real, non-degenerate features
    expect(maxDiff).toBeLessThanOrEqual(1e-4);

    expect(mapT.shape).toEqual([n, 7, 7, 1792]);
    const mapExpected = await mapT.data();
    const spatial = await engine.embedSpatialTensors(nchw);
    let mapDiff = 0;
    spatial.forEach(({ pooled, map }, i) => {
      expect(Array.from(pooled)).toEqual(Array.from(actual[i]!));
      for (let c = 0; c < 1792; c++)
        for (let p = 0; p < 49; p++)
          mapDiff = Math.max(mapDiff, Math.abs(map[c * 49 + p]! - mapExpected[(i * 49 + p) * 1792 + c]!));
    });
    expect(mapDiff).toBeLessThanOrEqual(1e-4);
    // The pooled vector is the map's mean over the 49 cells.
    const { pooled, map } = spatial[0]!;
    for (const c of [0, 100, 1791]) {
      let sum = 0;
      for (let p = 0; p < 49; p++) sum += map[c * 49 + p]!;
      expect(sum / 49).toBeCloseTo(pooled[c]!, 5);
    }
    model.dispose();
  });

  it('is cached by sha256 and gives the same features for one image or a batch', async () => {
    const again = await VisionEngine.create();
    expect(again.backbone.sha256).toBe(engine.backbone.sha256);
    expect(engine.backbone.sha256).toMatch(/^[0-9a-f]{64}$/);
    const imgs = await Promise.all(IMAGES.map(fixture));
    const { features: batch } = await engine.embed(imgs);
    const { features: single } = await engine.embed([imgs[1]!]);
    for (let j = 0; j < 1792; j++) expect(Math.abs(single[0]![j]! - batch[1]![j]!)).toBeLessThan(1e-5);
    await again.release();
  });
});
