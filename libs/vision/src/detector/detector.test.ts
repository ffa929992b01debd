import { describe, expect, it } from 'vitest';
import { resolveCocoClasses } from './coco-classes';
import { boxAnswer, countAnswer } from './detection.answers';
import type { Detection } from './detection.decode';
import { iou, nonMaxSuppression } from './detection.decode';

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
