import { describe, expect, it } from 'vitest';
import { resolveCocoClasses } from './coco-classes';
import { boxAnswer, countAnswer } from './detection.answers';
import type { Detection } from './detection.decode';
import { iou, nonMaxSuppression } from './detection.decode';
import type { CountScoreFeatures, LabelledCount } from './count-calibration';
import {
  binaryEce,
  calibratedCountConfidence,
  countScoreFeatures,
  fitCountCalibration,
} from './count-calibration';
import { mulberry32 } from '../training/stratified-split';

const det = (score: number, left: number, label: Detection['label'] = 'person'): Detection => ({
  label,
  classIndex: 0,
  score,
  box: { left, top: 0.1, right: left + 0.1, bottom: 0.3 },
});

describe('class_name → COCO classes', () => {
  it.each([
    ['person', ['person']],
    ['People', ['person']],
    ['pedestrians', ['person']],
    ['vehicles', ['car', 'truck', 'bus', 'motorcycle']],
    ['buses', ['bus']],
    ['knives', ['knife']],
    ['red cars', ['car']],
    ['traffic_lights', ['traffic light']],
    ['Cell-Phones', ['cell phone']],
    ['sheep', ['sheep']],
    ['pallet', []],
    ['scratch', []],
  ])('%s → %j', (name, classes) => {
    expect(resolveCocoClasses(name)).toEqual(classes);
  });
});

describe('answers from detections', () => {
  it('box confidence is min kept score × (1 − max dropped score)', () => {
    const a = boxAnswer([det(0.9, 0), det(0.6, 0.2), det(0.3, 0.4), det(0.1, 0.6)], 0.5, 5);
    expect(a.label).toBe('BOUNDING_BOX');
    expect(a.rois.map((r) => r.score)).toEqual([0.9, 0.6]);
    expect(a.confidence).toBeCloseTo(0.6 * (1 - 0.3), 12);
    expect(a.rois[0]!.geometry).toEqual({ left: 0, top: 0.1, right: 0.1, bottom: 0.3, x: 0.05, y: 0.2 });
  });

  it('NO_OBJECTS is as confident as the best dropped candidate allows', () => {
    expect(boxAnswer([det(0.2, 0)], 0.5, 5)).toMatchObject({
      label: 'NO_OBJECTS',
      rois: [],
      confidence: 0.8,
    });
    expect(boxAnswer([], 0.5, 5).confidence).toBe(1);
  });

  it('more kept boxes than max_num_bboxes → GREATER_THAN_MAX with the best max_num_bboxes', () => {
    const a = boxAnswer([det(0.9, 0), det(0.8, 0.2), det(0.7, 0.4)], 0.5, 2);
    expect(a.label).toBe('GREATER_THAN_MAX');
    expect(a.rois.map((r) => r.score)).toEqual([0.9, 0.8]);
  });

  it('count is capped at max_count with greater_than_max', () => {
    expect(countAnswer([det(0.9, 0), det(0.8, 0.2), det(0.7, 0.4)], 0.5, 2)).toMatchObject({
      count: 2,
      greaterThanMax: true,
    });
    expect(countAnswer([det(0.9, 0), det(0.4, 0.2)], 0.5, 2)).toMatchObject({
      count: 1,
      greaterThanMax: false,
    });
  });
});

describe('suppression', () => {
  it('drops a box overlapping a better one, keeps separate ones', () => {
    const a = det(0.9, 0);
    const b = { ...det(0.8, 0.01), label: 'truck' as const }; // same object seen as another class
    const c = det(0.7, 0.5);
    expect(iou(a.box, b.box)).toBeGreaterThan(0.8);
    expect(nonMaxSuppression([a, b, c], 0.5)).toEqual([a, c]);
  });
});

describe('count calibration (pure)', () => {
  const features = (raw: number, count: number): CountScoreFeatures => ({
    raw,
    count,
    minKept: 1,
    maxDropped: 0,
    nearThreshold: 0,
  });

  it('recovers a logistic relation and lowers ECE against it', () => {
    const rng = mulberry32(7);
    // Truth: P(right) = σ(1.5·logit(raw) − 1·log1p(count) + 0.5); the raw confidence itself is miscalibrated.
    const sample = (): LabelledCount => {
      const raw = 0.05 + 0.9 * rng();
      const count = Math.floor(rng() * 8);
      const z = 1.5 * Math.log(raw / (1 - raw)) - Math.log1p(count) + 0.5;
      return { features: features(raw, count), correct: rng() < 1 / (1 + Math.exp(-z)) };
    };
    const train = Array.from({ length: 3000 }, sample);
    const test = Array.from({ length: 3000 }, sample);
    const cal = fitCountCalibration(train, { source: 'synthetic', l2: 1e-4 });
    expect(cal.weights[0]).toBeCloseTo(1.5, 0);
    expect(cal.weights[1]).toBeCloseTo(-1, 0);
    const correct = test.map((e) => e.correct);
    const before = binaryEce(
      test.map((e) => e.features.raw),
      correct,
    );
    const after = binaryEce(
      test.map((e) => calibratedCountConfidence(cal, e.features)),
      correct,
    );
    expect(after).toBeLessThan(0.03);
    expect(after).toBeLessThan(before);
  });

  it('countAnswer uses the calibration when given one, and keeps the raw confidence', () => {
    const cands = [det(0.9, 0), det(0.6, 0.2), det(0.3, 0.4)];
    const cal = fitCountCalibration(
      [
        { features: features(0.9, 1), correct: true },
        { features: features(0.2, 3), correct: false },
      ],
      { source: 'two' },
    );
    const a = countAnswer(cands, 0.5, 10, cal);
    expect(a.rawConfidence).toBeCloseTo(0.6 * 0.7, 12);
    expect(a.confidence).toBeCloseTo(calibratedCountConfidence(cal, countScoreFeatures(cands, 0.5)), 12);
    expect(countScoreFeatures(cands, 0.5)).toEqual({
      raw: a.rawConfidence,
      count: 2,
      minKept: 0.6,
      maxDropped: 0.3,
      nearThreshold: 1,
    });
    expect(countAnswer(cands, 0.5, 10).confidence).toBe(a.rawConfidence);
  });

  it('binaryEce: perfectly calibrated bins score 0, overconfident ones their gap', () => {
    expect(binaryEce([0.75, 0.75, 0.75, 0.75], [true, true, true, false])).toBeCloseTo(0, 12);
    expect(binaryEce([0.95, 0.95], [false, true])).toBeCloseTo(0.45, 12);
  });
});
