/**
 * The converted CenterNet must compute what the original TF.js graph computes (TensorFlow.js CPU backend) on a
 * real photo: the same class heatmap and box extents, and our TypeScript decoding must give the same top
 * detections as the graph's own TopK/Gather decoding (`tower_0/detections`).
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  CENTERNET_INPUT_SIZE,
  decodePeaks,
  ObjectDetector,
  readCenternetSource,
  TFJS_BOX_NODE,
  TFJS_DETECTIONS_NODE,
  TFJS_HEATMAP_NODE,
} from '../src/index';
import { fixture } from './fixtures.helper';

const S = CENTERNET_INPUT_SIZE;

describe('CenterNet conversion', () => {
  let detector: ObjectDetector;
  beforeAll(async () => {
    detector = await ObjectDetector.load();
    await tf.setBackend('cpu');
  });

  it('matches tfjs heads and decoding on a real photo', async () => {
    const source = await readCenternetSource();
    const model = await tf.loadGraphModel(
      tf.io.fromMemory({
        modelTopology: source.model.modelTopology as never,
        weightSpecs: source.weightSpecs as never,
        weightData: source.weightData.slice().buffer,
      }),
    );
    const nchw = await detector.preprocess(await fixture('photos/dog.jpg'));
    // tfjs takes NHWC pixels in 0..255; ours is NCHW in [0,1] and the graph multiplies by 255.
    const nhwc = new Float32Array(S * S * 3);
    for (let c = 0; c < 3; c++) for (let p = 0; p < S * S; p++) nhwc[p * 3 + c] = nchw[c * S * S + p]! * 255;
    const [heatT, boxT, detT] = model.execute(tf.tensor4d(nhwc, [1, S, S, 3]), [
      TFJS_HEATMAP_NODE,
      TFJS_BOX_NODE,
      TFJS_DETECTIONS_NODE,
    ]) as [tf.Tensor, tf.Tensor, tf.Tensor];
    const [heatExp, boxExp, detExp] = [await heatT.data(), await boxT.data(), await detT.data()];
    model.dispose();

    const grid = await detector.runHeads(nchw);
    const cells = grid.cells;
    let heatDiff = 0;
    let boxDiff = 0;
    for (let p = 0; p < cells * cells; p++) {
      for (let c = 0; c < grid.classes; c++)
        heatDiff = Math.max(
          heatDiff,
          Math.abs(grid.heatmap[c * cells * cells + p]! - heatExp[p * grid.classes + c]!),
        );
      for (let k = 0; k < 4; k++)
        boxDiff = Math.max(boxDiff, Math.abs(grid.extents[k * cells * cells + p]! - boxExp[p * 4 + k]!));
    }
    expect(heatDiff).toBeLessThanOrEqual(1e-3); // scores in 0..1
    expect(boxDiff).toBeLessThanOrEqual(0.05); // extents in input pixels, up to ~300

    // The graph's top 10 (x1, y1, x2, y2 in pixels, score, class) against our decoding of our heads.
    const ours = decodePeaks(grid, { floor: 0, topK: 100 });
    for (let i = 0; i < 10; i++) {
      const [x1, y1, x2, y2, score, cls] = Array.from(detExp.subarray(i * 6, i * 6 + 6));
      const match = ours.find((d) => d.classIndex === cls && Math.abs(d.score - score!) < 1e-3);
      expect(match, `tfjs detection ${i} (class ${cls}, score ${score})`).toBeDefined();
      const clamp = (v: number): number => Math.min(1, Math.max(0, v / S));
      expect(match!.box.left).toBeCloseTo(clamp(x1!), 3);
      expect(match!.box.top).toBeCloseTo(clamp(y1!), 3);
      expect(match!.box.right).toBeCloseTo(clamp(x2!), 3);
      expect(match!.box.bottom).toBeCloseTo(clamp(y2!), 3);
    }
  });

  it('is converted once and cached by its pinned sha256', async () => {
    const again = await ObjectDetector.load();
    expect(again.sha256).toBe(detector.sha256);
    expect(detector.sha256).toMatch(/^[0-9a-f]{64}$/);
    await again.release();
  });
});
