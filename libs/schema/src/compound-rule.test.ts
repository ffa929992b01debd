import { describe, expect, it } from 'vitest';
import {
  COMPOUND_RULE_LIMITS,
  CompoundRuleSchema,
  ZonesSchema,
  formatCompoundRuleErrors,
  parseCompoundRule,
  ruleDetectorIds,
  ruleZoneNames,
} from './compound-rule';

const A = 'det_2SagpFUrs83cbMZsap5hZzRjZw4';
const B = 'det_2SagpFUrs83cbMZsap5hZzRjZw5';
const C = 'det_2SagpFUrs83cbMZsap5hZzRjZw6';

const errorsOf = (raw: unknown): string[] => {
  const r = parseCompoundRule(raw);
  if (r.ok) throw new Error('expected errors');
  return r.errors.map((e) => `${e.path}: ${e.message}`);
};

describe('parseCompoundRule: valid rules', () => {
  it.each([
    ['a label leaf', { detector: A, label: 'YES' }],
    ['a count leaf', { detector: A, count: { gte: 1 } }],
    ['a count range', { detector: A, count: { gte: 1, lte: 3 } }],
    ['inside a zone', { detector: A, inside: 'machine area' }],
    ['near', { detector: A, near: { detector: B, within: 0.2 } }],
    ['overlaps', { detector: A, overlaps: { detector: B, iou: 0.3 } }],
    ['a per-object question', { detector: A, label: 'YES', on: B }],
    [
      'nested operators',
      {
        all: [
          { detector: A, count: { gte: 1 } },
          { not: { detector: B, label: 'YES' } },
          { any: [{ detector: C, label: 'NO' }] },
        ],
      },
    ],
  ])('%s', (_name, raw) => {
    const r = parseCompoundRule(raw);
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.rule).toEqual(raw);
  });

  it('lists the detectors and zones it names, once each', () => {
    const r = parseCompoundRule({
      all: [
        { detector: A, inside: 'door' },
        { detector: A, near: { detector: B, within: 0.1 } },
        { not: { detector: C, label: 'YES' } },
      ],
    });
    expect(r.ok && r.detectorIds).toEqual([A, B, C]);
    expect(r.ok && ruleDetectorIds(r.rule)).toEqual([A, B, C]);
    expect(r.ok && ruleZoneNames(r.rule)).toEqual(['door']);
  });
});

describe('parseCompoundRule: errors name the node and say what was expected', () => {
  it.each([
    ['not an object', 'YES', 'rule: must be an object'],
    ['unknown operator key', { every: [] }, 'rule: unknown key "every"'],
    ['empty all', { all: [] }, 'rule.all: must be a non-empty list'],
    [
      'two operator keys',
      { all: [{ detector: A, label: 'YES' }], not: { detector: A, label: 'NO' } },
      'rule: an operator node has exactly one key',
    ],
    ['bad detector id', { detector: 'person', label: 'YES' }, 'rule.detector: must be a detector id'],
    ['bad label', { detector: A, label: 'MAYBE' }, 'rule.label: must be "YES" or "NO", got "MAYBE"'],
    ['no test', { detector: A }, 'rule: a leaf needs one of label, count, inside, near, overlaps'],
    [
      'two tests',
      { detector: A, label: 'YES', count: { gte: 1 } },
      'rule: a leaf has one test, got label and count',
    ],
    ['count without bound', { detector: A, count: {} }, 'rule.count: needs gte, lte or both'],
    [
      'count bound not an integer',
      { detector: A, count: { gte: 1.5 } },
      'rule.count.gte: must be an integer',
    ],
    [
      'empty count range',
      { detector: A, count: { gte: 3, lte: 1 } },
      'rule.count: gte (3) must not exceed lte (1)',
    ],
    ['on itself', { detector: A, label: 'YES', on: A }, 'rule.on: must name another detector'],
    ['on with a count leaf', { detector: A, count: { gte: 1 }, on: B }, 'rule: unknown key "on"'],
    [
      'near itself',
      { detector: A, near: { detector: A, within: 0.1 } },
      'rule.near.detector: must name another detector',
    ],
    [
      'distance out of range',
      { detector: A, near: { detector: B, within: 2 } },
      'rule.near.within: must be a number between 0 and 1',
    ],
    ['bad zone name', { detector: A, inside: '' }, 'rule.inside: must be a zone name'],
    [
      'deep in a list',
      { any: [{ detector: A, label: 'YES' }, { not: { detector: B, count: { lte: -1 } } }] },
      'rule.any[1].not.count.lte: must be an integer from 0 to 10000',
    ],
  ])('%s', (_name, raw, expected) => {
    expect(errorsOf(raw).join('\n')).toContain(expected);
  });

  it('reports every error, not only the first', () => {
    expect(
      errorsOf({
        all: [
          { detector: 'x', label: 'YES' },
          { detector: A, label: 'no' },
        ],
      }),
    ).toHaveLength(2);
  });

  it('limits depth, width and detectors', () => {
    let deep: unknown = { detector: A, label: 'YES' };
    for (let i = 0; i < COMPOUND_RULE_LIMITS.maxDepth; i++) deep = { not: deep };
    expect(errorsOf(deep).join('\n')).toContain(`nests deeper than ${COMPOUND_RULE_LIMITS.maxDepth} levels`);
    const wide = {
      any: Array.from({ length: COMPOUND_RULE_LIMITS.maxChildren + 1 }, () => ({
        detector: A,
        label: 'YES',
      })),
    };
    expect(errorsOf(wide).join('\n')).toContain('(at most 16)');
    const ids = Array.from({ length: 17 }, (_, i) => `det_${String(i).padStart(27, '0')}`);
    const many = {
      any: [
        { any: ids.slice(0, 9).map((d) => ({ detector: d, label: 'YES' })) },
        { any: ids.slice(9).map((d) => ({ detector: d, label: 'YES' })) },
      ],
    };
    expect(errorsOf(many).join('\n')).toContain('names 17 detectors (at most 16)');
  });

  it('the zod schema carries the same messages', () => {
    const r = CompoundRuleSchema.safeParse({ detector: A, label: 'MAYBE' });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.message).toBe('rule.label: must be "YES" or "NO", got "MAYBE"');
    expect(formatCompoundRuleErrors([{ path: 'rule', message: 'x' }])).toBe('rule: x');
  });
});

describe('ZonesSchema', () => {
  it('takes boxes and polygons', () => {
    const zones = [
      { name: 'door', box: { x: 0.1, y: 0.2, width: 0.3, height: 0.4 } },
      {
        name: 'machine',
        polygon: [
          [0, 0],
          [0.5, 0],
          [0.5, 0.5],
        ],
      },
    ];
    expect(ZonesSchema.parse(zones)).toEqual(zones);
  });

  it.each([
    ['neither shape', [{ name: 'a' }], 'give either box or polygon'],
    [
      'both shapes',
      [
        {
          name: 'a',
          box: { x: 0, y: 0, width: 1, height: 1 },
          polygon: [
            [0, 0],
            [1, 0],
            [1, 1],
          ],
        },
      ],
      'give either box or polygon',
    ],
    [
      'box outside the frame',
      [{ name: 'a', box: { x: 0.5, y: 0, width: 0.6, height: 1 } }],
      'must lie inside the frame',
    ],
    [
      'two points',
      [
        {
          name: 'a',
          polygon: [
            [0, 0],
            [1, 1],
          ],
        },
      ],
      'needs at least 3 points',
    ],
    [
      'repeated name',
      [
        { name: 'a', box: { x: 0, y: 0, width: 1, height: 1 } },
        { name: 'a', box: { x: 0, y: 0, width: 1, height: 1 } },
      ],
      'repeats zone name "a"',
    ],
  ])('%s', (_name, raw, expected) => {
    const r = ZonesSchema.safeParse(raw);
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => i.message).join('\n')).toContain(expected);
  });
});

describe('edge-config: zones per stream', () => {
  it('a stream carries its zones; a bad zone is reported at its path', async () => {
    const { normaliseEdgeConfig } = await import('./edge-config');
    const stream = (zones: unknown) => ({
      detectors: [{ detector_id: A }],
      streams: { cam1: { url: 'rtsp://cam/1', detector_ids: [A], fps: 1, zones } },
    });
    const ok = normaliseEdgeConfig(stream([{ name: 'door', box: { x: 0, y: 0, width: 0.5, height: 1 } }]));
    expect(ok.ok && ok.config.streams['cam1']?.zones).toEqual([
      { name: 'door', box: { x: 0, y: 0, width: 0.5, height: 1 } },
    ]);
    const bad = normaliseEdgeConfig(stream([{ name: 'door', polygon: [[0, 0]] }]));
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.errors).toEqual([
      { path: 'streams.cam1.zones[0].polygon', message: 'needs at least 3 points' },
    ]);
  });
});
