import type { CompoundRule, Roi, Zone } from '@intellioptics/schema';
import { describe, expect, it } from 'vitest';
import {
  compoundInferenceOutcome,
  compoundLabel,
  compoundSteps,
  cropKey,
  evaluateCompoundRule,
  impliedPartLabels,
  inZone,
  type SubAnswer,
} from './compound-rule';
import { decide } from './decide';
import { DEFAULT_PRESETS } from '@intellioptics/schema';

const P = 'det_000000000000000000000person';
const H = 'det_000000000000000000000helmet';
const M = 'det_00000000000000000000machine';

const box = (left: number, top: number, right: number, bottom: number, label = 'person'): Roi => ({
  label,
  score: 0.9,
  geometry: { left, top, right, bottom, x: (left + right) / 2, y: (top + bottom) / 2 },
});
const yesNo = (id: string, label: 'YES' | 'NO', confidence: number, threshold = 0.75): SubAnswer => ({
  detectorId: id,
  threshold,
  status: 'ok',
  mode: 'BINARY',
  label,
  confidence,
  boxes: [],
});
const counted = (id: string, boxes: Roi[], confidence: number, threshold = 0.75): SubAnswer => ({
  detectorId: id,
  threshold,
  status: 'ok',
  mode: 'COUNT',
  label: String(boxes.length),
  count: boxes.length,
  confidence,
  boxes,
});
const down = (id: string): SubAnswer => ({
  detectorId: id,
  threshold: 0.75,
  status: 'unavailable',
  detail: 'inference down',
});

const run = (rule: CompoundRule, answers: SubAnswer[], zones: Zone[] = [], threshold = 0.75) =>
  evaluateCompoundRule({ rule, answers: new Map(answers.map((a) => [a.detectorId, a])), zones, threshold });

const personYes: CompoundRule = { detector: P, count: { gte: 1 } };
const helmetYes: CompoundRule = { detector: H, label: 'YES' };
const violation: CompoundRule = { all: [personYes, { not: helmetYes }] };

describe('evaluateCompoundRule: values, min/max confidence, unknowns (Kleene)', () => {
  // [name, rule, answers, value, combined confidence]
  const rows: [string, CompoundRule, SubAnswer[], boolean | null, number][] = [
    ['leaf YES', helmetYes, [yesNo(H, 'YES', 0.9)], true, 0.9],
    ['leaf NO asked YES', helmetYes, [yesNo(H, 'NO', 0.8)], false, 0.8],
    [
      'count ≥ 1 with 2',
      personYes,
      [counted(P, [box(0, 0, 0.1, 0.1), box(0.5, 0.5, 0.6, 0.6)], 0.7)],
      true,
      0.7,
    ],
    ['count ≥ 1 with 0', personYes, [counted(P, [], 0.95)], false, 0.95],
    [
      'count ≤ 1 with 2',
      { detector: P, count: { lte: 1 } },
      [counted(P, [box(0, 0, 1, 1), box(0, 0, 1, 1)], 0.8)],
      false,
      0.8,
    ],
    ['not keeps the confidence', { not: helmetYes }, [yesNo(H, 'YES', 0.9)], false, 0.9],
    ['all true → min', violation, [counted(P, [box(0, 0, 1, 1)], 0.9), yesNo(H, 'NO', 0.8)], true, 0.8],
    [
      'all false → max of the false parts',
      violation,
      [counted(P, [], 0.6), yesNo(H, 'YES', 0.95)],
      false,
      0.95,
    ],
    [
      'any true → max of the true parts',
      { any: [personYes, helmetYes] },
      [counted(P, [box(0, 0, 1, 1)], 0.7), yesNo(H, 'YES', 0.85)],
      true,
      0.85,
    ],
    [
      'any false → min',
      { any: [personYes, helmetYes] },
      [counted(P, [], 0.7), yesNo(H, 'NO', 0.85)],
      false,
      0.7,
    ],
    ['all with an unknown and a false part is false', violation, [down(P), yesNo(H, 'YES', 0.9)], false, 0.9],
    ['all with an unknown and true parts is unknown', violation, [down(P), yesNo(H, 'NO', 0.9)], null, 0],
    [
      'any with an unknown and a true part is true',
      { any: [personYes, helmetYes] },
      [down(P), yesNo(H, 'YES', 0.9)],
      true,
      0.9,
    ],
    [
      'a label leaf over a COUNT detector is unknown',
      { detector: P, label: 'YES' },
      [counted(P, [], 0.9)],
      null,
      0,
    ],
    ['a detector not asked is unknown', helmetYes, [], null, 0],
  ];
  it.each(rows)('%s', (_name, rule, answers, value, confidence) => {
    const e = run(rule, answers);
    expect(e.value).toBe(value);
    expect(e.combinedConfidence).toBeCloseTo(confidence, 9);
  });
});

describe('evaluateCompoundRule: a part that matters and is unsure makes the answer unsure', () => {
  it('caps the confidence below the compound threshold in proportion', () => {
    // Helmet NO at 0.7 < its 0.9 matters (a YES would clear the violation); min/max alone gives 0.7 ≥ 0.6.
    const e = run(violation, [counted(P, [box(0, 0, 1, 1)], 0.95), yesNo(H, 'NO', 0.7, 0.9)], [], 0.6);
    expect(e.value).toBe(true);
    expect(e.combinedConfidence).toBe(0.7);
    expect(e.unsureThatMatter.map((l) => l.path)).toEqual(['rule.all[1].not']);
    expect(e.confidence).toBeCloseTo(0.6 * (0.7 / 0.9), 9);
  });

  it('an unsure part that does not matter leaves the confidence alone', () => {
    // Nobody there (sure): the helmet answer cannot change anything.
    const e = run(violation, [counted(P, [], 0.95), yesNo(H, 'NO', 0.55)]);
    expect(e.value).toBe(false);
    expect(e.leaves.map((l) => [l.matters, l.sure])).toEqual([
      [true, true],
      [false, false],
    ]);
    expect(e.unsureThatMatter).toEqual([]);
    expect(e.confidence).toBe(0.95);
  });

  it('a part above its own threshold does not cap, even with a stricter compound threshold', () => {
    const e = run(helmetYes, [yesNo(H, 'YES', 0.8, 0.7)], [], 0.9);
    expect(e.unsureThatMatter).toEqual([]);
    expect(e.confidence).toBe(0.8);
  });

  it('the decision escalates the capped answer and answers the sure one', () => {
    const input = {
      preset: DEFAULT_PRESETS.edge_answers_with_escalation,
      humanReview: 'DEFAULT' as const,
      wantAsync: false,
      detectorThreshold: 0.75,
      lastEscalationAtMs: undefined,
      nowMs: 10_000,
      auditRoll: 0.5,
      confidentAuditRate: 0,
    };
    const unsure = run(violation, [counted(P, [box(0, 0, 1, 1)], 0.95), yesNo(H, 'NO', 0.6)]);
    const sure = run(violation, [counted(P, [box(0, 0, 1, 1)], 0.95), yesNo(H, 'NO', 0.9)]);
    expect(decide({ ...input, inference: compoundInferenceOutcome(unsure) })).toMatchObject({
      kind: 'answer_edge',
      escalate: 'background',
      confident: false,
    });
    expect(decide({ ...input, inference: compoundInferenceOutcome(sure) })).toMatchObject({
      kind: 'answer_edge',
      escalate: 'none',
      confident: true,
      adjustedConfidence: 0.9,
    });
    const unknown = run(violation, [down(P), yesNo(H, 'NO', 0.9)]);
    expect(compoundInferenceOutcome(unknown)).toEqual({
      status: 'no_model',
      detail: `The rule cannot be decided: ${P} has no answer.`,
    });
  });
});

describe('spatial leaves', () => {
  const door: Zone = { name: 'door', box: { x: 0, y: 0, width: 0.5, height: 1 } };
  const tri: Zone = {
    name: 'tri',
    polygon: [
      [0, 0],
      [1, 0],
      [0, 1],
    ],
  };
  it.each([
    [
      'centre in the box zone',
      { detector: P, inside: 'door' },
      [counted(P, [box(0.1, 0.1, 0.3, 0.3)], 0.9)],
      true,
    ],
    [
      'centre outside the box zone',
      { detector: P, inside: 'door' },
      [counted(P, [box(0.6, 0.1, 0.9, 0.3)], 0.9)],
      false,
    ],
    [
      'centre in the polygon',
      { detector: P, inside: 'tri' },
      [counted(P, [box(0.1, 0.1, 0.2, 0.2)], 0.9)],
      true,
    ],
    [
      'centre outside the polygon',
      { detector: P, inside: 'tri' },
      [counted(P, [box(0.7, 0.7, 0.9, 0.9)], 0.9)],
      false,
    ],
    [
      'a zone the camera lacks is unknown',
      { detector: P, inside: 'gate' },
      [counted(P, [box(0, 0, 1, 1)], 0.9)],
      null,
    ],
    [
      'near within the distance',
      { detector: P, near: { detector: M, within: 0.2 } },
      [counted(P, [box(0.1, 0.1, 0.2, 0.2)], 0.9), counted(M, [box(0.2, 0.1, 0.3, 0.2, 'machine')], 0.8)],
      true,
    ],
    [
      'not near',
      { detector: P, near: { detector: M, within: 0.05 } },
      [counted(P, [box(0.1, 0.1, 0.2, 0.2)], 0.9), counted(M, [box(0.2, 0.1, 0.3, 0.2, 'machine')], 0.8)],
      false,
    ],
    [
      'overlap IoU ≥ 0.3',
      { detector: P, overlaps: { detector: M, iou: 0.3 } },
      [counted(P, [box(0, 0, 0.2, 0.2)], 0.9), counted(M, [box(0.05, 0, 0.25, 0.2)], 0.8)],
      true,
    ],
    [
      'IoU too small',
      { detector: P, overlaps: { detector: M, iou: 0.8 } },
      [counted(P, [box(0, 0, 0.2, 0.2)], 0.9), counted(M, [box(0.05, 0, 0.25, 0.2)], 0.8)],
      false,
    ],
    ['boxes of a BINARY detector are unknown', { detector: H, inside: 'door' }, [yesNo(H, 'YES', 0.9)], null],
  ] as [string, CompoundRule, SubAnswer[], boolean | null][])('%s', (_name, rule, answers, value) => {
    expect(run(rule, answers, [door, tri]).value).toBe(value);
  });

  it('near / overlaps take the less sure detector of the two', () => {
    const e = run({ detector: P, near: { detector: M, within: 1 } }, [
      counted(P, [box(0, 0, 0.1, 0.1)], 0.9),
      counted(M, [box(0, 0, 0.1, 0.1)], 0.6, 0.5),
    ]);
    expect([e.leaves[0]!.confidence, e.leaves[0]!.threshold]).toEqual([0.9, 0.75]);
  });

  it('inZone: polygon edges and corners', () => {
    expect(inZone([0.25, 0.25], tri)).toBe(true);
    expect(inZone([0.6, 0.6], tri)).toBe(false);
  });
});

describe('compoundSteps: one rule step per sub-answer and one for the evaluation', () => {
  it('says what each part answered and how the rule came out', () => {
    const answers = [counted(P, [box(0, 0, 1, 1)], 0.95), { ...yesNo(H, 'NO', 0.6), name: 'helmet' }];
    const e = run(violation, answers);
    const steps = compoundSteps(e, answers);
    expect(steps.map((s) => s.kind)).toEqual(['rule', 'rule', 'rule']);
    expect(steps[0]!.text).toBe(`Sub-answer of ${P}: count 1 with confidence 0.95 (threshold 0.75, 1 box).`);
    expect(steps[1]!.text).toBe(`Sub-answer of ${H} "helmet": "NO" with confidence 0.60 (threshold 0.75).`);
    expect(steps[2]!.text).toContain('The rule is YES with confidence 0.60 (min over all, max over any)');
    expect(steps[2]!.text).toContain('unsure parts that matter (rule.all[1].not) cap it at 0.60');
    expect(steps[2]!.data).toMatchObject({ value: 'YES', parts: 2, unsure_parts_that_matter: 1 });
    expect(compoundLabel(e)).toBe('YES');
  });
});

describe('impliedPartLabels: what a reviewer label on the compound says about its parts', () => {
  it.each([
    [
      'all YES → every part',
      { all: [helmetYes, { detector: M, label: 'NO' }] },
      'YES',
      { [H]: 'YES', [M]: 'NO' },
    ],
    [
      'all NO → nothing (any part may be the false one)',
      { all: [helmetYes, { detector: M, label: 'NO' }] },
      'NO',
      {},
    ],
    [
      'any NO → every part false',
      { any: [helmetYes, { detector: M, label: 'YES' }] },
      'NO',
      { [H]: 'NO', [M]: 'NO' },
    ],
    ['not flips', { not: helmetYes }, 'YES', { [H]: 'NO' }],
    ['counts give no label', violation, 'YES', { [H]: 'NO' }],
    ['conflicts drop out', { all: [helmetYes, { not: helmetYes }] }, 'YES', {}],
  ] as [string, CompoundRule, 'YES' | 'NO', Record<string, string>][])(
    '%s',
    (_name, rule, label, expected) => {
      expect(Object.fromEntries(impliedPartLabels(rule, label))).toEqual(expected);
    },
  );
});

describe('per-object questions: a BINARY detector asked on the crop of each box', () => {
  const helmetOnEach: CompoundRule = { detector: H, label: 'YES', on: P };
  const two = counted(P, [box(0, 0, 0.2, 0.5), box(0.5, 0, 0.7, 0.5)], 0.9);
  const crops = (...answers: SubAnswer[]) => new Map([[cropKey(H, P), answers]]);
  const runCrops = (answers: SubAnswer[], c: Map<string, SubAnswer[]>) =>
    evaluateCompoundRule({
      rule: helmetOnEach,
      answers: new Map(answers.map((a) => [a.detectorId, a])),
      crops: c,
      threshold: 0.75,
    });
  it.each([
    [
      'every crop YES → true, least confident crop',
      [two],
      crops(yesNo(H, 'YES', 0.9), yesNo(H, 'YES', 0.8)),
      true,
      0.8,
    ],
    ['one crop NO → false, that crop', [two], crops(yesNo(H, 'YES', 0.9), yesNo(H, 'NO', 0.7)), false, 0.7],
    ['a crop without an answer → unknown', [two], crops(yesNo(H, 'YES', 0.9), down(H)), null, 0],
    ['no box → true, as sure as the boxes', [counted(P, [], 0.85)], crops(), true, 0.85],
    ['the boxes detector down → unknown', [down(P)], crops(), null, 0],
  ] as [string, SubAnswer[], Map<string, SubAnswer[]>, boolean | null, number][])(
    '%s',
    (_name, answers, c, value, confidence) => {
      const e = runCrops(answers, c);
      expect(e.value).toBe(value);
      expect(e.combinedConfidence).toBeCloseTo(confidence, 9);
    },
  );

  it('the trace has one step per crop after the sub-answers', () => {
    const c = crops(yesNo(H, 'YES', 0.9), yesNo(H, 'NO', 0.7));
    const e = runCrops([two], c);
    const steps = compoundSteps(e, [two], c);
    expect(steps.map((s) => s.text.split(':')[0])).toEqual([
      `Sub-answer of ${P}`,
      `Sub-answer of ${H} on box 1 of ${P}`,
      `Sub-answer of ${H} on box 2 of ${P}`,
      'The rule is NO with confidence 0.70 (min over all, max over any); unsure parts that matter (rule) cap it at 0.70. Parts',
    ]);
  });
});
