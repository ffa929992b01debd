import { describe, expect, it } from 'vitest';
import {
  userMetadata,
  EscalationMetadataSchema,
  edgeResultSummary,
  escalationMetadata,
  readEdgeResult,
  readEscalationMetadata,
  type EdgeResultSummary,
} from './escalation-metadata';

const edge: EdgeResultSummary = edgeResultSummary({
  classIndex: 1,
  primaryConfidence: 0.812345678,
  outlierProbability: 0.1234567,
  adjustedConfidence: 0.7,
  threshold: 0.9,
  modelVersions: { primary: 3, oodd: 2 },
  modelIds: { primary: 'mv_a', oodd: null },
});

describe(edgeResultSummary.name, () => {
  it('rounds to six decimals and names the model ids it knows', () => {
    expect(edge).toEqual({
      class_index: 1,
      raw_primary_confidence: 0.812346,
      oodd_outlier_probability: 0.123457,
      adjusted_confidence: 0.7,
      threshold: 0.9,
      primary_model_version: 3,
      oodd_model_version: 2,
      mlb_key: 'mv_a',
    });
  });
});

describe(escalationMetadata.name, () => {
  it('merges the caller keys with the edge keys, and the schema accepts it', () => {
    const m = escalationMetadata({
      user: { line: 'A' },
      reason: 'BELOW_THRESHOLD',
      edgeResult: edge,
      isEdgeAudit: false,
      inspectionId: 'insp_1',
    });
    expect(m).toEqual({ line: 'A', reason: 'BELOW_THRESHOLD', edge_result: edge, inspection_id: 'insp_1' });
    expect(EscalationMetadataSchema.parse(m)).toEqual(m);
  });

  it('an audit carries the audit rate (the weight of confident answers in the policy fit)', () => {
    const m = escalationMetadata({
      user: null,
      reason: 'AUDIT',
      edgeResult: edge,
      isEdgeAudit: true,
      auditRate: 0.1,
    });
    expect(m).toMatchObject({ is_edge_audit: true, audit_rate: 0.1 });
    expect(userMetadata({ ...m, line: 'A' })).toEqual({ line: 'A' });
    const escalation = escalationMetadata({
      user: null,
      reason: 'BELOW_THRESHOLD',
      edgeResult: edge,
      isEdgeAudit: false,
      auditRate: 0.1,
    });
    expect(escalation).not.toHaveProperty('audit_rate');
    const byPolicy = escalationMetadata({
      user: null,
      reason: 'POLICY_RISK',
      edgeResult: edge,
      isEdgeAudit: false,
      learnedPolicy: true,
    });
    expect(byPolicy).toMatchObject({ reason: 'POLICY_RISK', learned_policy: true });
    expect(readEscalationMetadata(byPolicy).learned_policy).toBe(true);
    expect(readEscalationMetadata(m).learned_policy).toBe(false);
  });

  it.each([
    ['fits', 0, ['edge_result', 'is_edge_audit', 'line', 'reason']],
    ['drops edge_result first', 900, ['is_edge_audit', 'line', 'pad', 'reason']],
    ['then the caller keys', 1100, ['reason']],
  ] as const)('over 1 KiB: %s', (_what, pad, keys) => {
    const user = { line: 'A', ...(pad ? { pad: 'x'.repeat(pad) } : {}) };
    const m = escalationMetadata({ user, reason: 'AUDIT', edgeResult: edge, isEdgeAudit: true });
    expect(Object.keys(m).sort()).toEqual(keys);
    expect(m.reason).toBe('AUDIT');
    expect(new TextEncoder().encode(JSON.stringify(m)).length).toBeLessThanOrEqual(1024);
  });
});

describe(readEscalationMetadata.name, () => {
  it.each<[string, unknown, ReturnType<typeof readEscalationMetadata>]>([
    [
      'null',
      null,
      {
        reason: undefined,
        edge_result: undefined,
        is_edge_audit: false,
        audit_rate: undefined,
        learned_policy: false,
        inspection_id: undefined,
      },
    ],
    [
      'a list',
      [1],
      {
        reason: undefined,
        edge_result: undefined,
        is_edge_audit: false,
        audit_rate: undefined,
        learned_policy: false,
        inspection_id: undefined,
      },
    ],
    [
      'what the edge writes',
      { reason: 'COOLDOWN', edge_result: edge, is_edge_audit: true, inspection_id: 'i', line: 'A' },
      {
        reason: 'COOLDOWN',
        edge_result: edge,
        is_edge_audit: true,
        audit_rate: undefined,
        learned_policy: false,
        inspection_id: 'i',
      },
    ],
    [
      'an audit with its rate',
      { reason: 'AUDIT', is_edge_audit: true, audit_rate: 0.05 },
      {
        reason: 'AUDIT',
        edge_result: undefined,
        is_edge_audit: true,
        audit_rate: 0.05,
        learned_policy: false,
        inspection_id: undefined,
      },
    ],
    [
      'an audit rate above 1',
      { reason: 'AUDIT', is_edge_audit: true, audit_rate: 5 },
      {
        reason: 'AUDIT',
        edge_result: undefined,
        is_edge_audit: true,
        audit_rate: undefined,
        learned_policy: false,
        inspection_id: undefined,
      },
    ],
    [
      'an unknown reason and a string audit flag',
      { reason: 'BECAUSE', is_edge_audit: 'true', inspection_id: 7 },
      {
        reason: undefined,
        edge_result: undefined,
        is_edge_audit: false,
        audit_rate: undefined,
        learned_policy: false,
        inspection_id: undefined,
      },
    ],
    [
      'a partial edge_result',
      { edge_result: { class_index: 0, adjusted_confidence: 1.5, threshold: 0.8, label: 'YES' } },
      {
        reason: undefined,
        edge_result: { class_index: 0, threshold: 0.8, label: 'YES' },
        is_edge_audit: false,
        audit_rate: undefined,
        learned_policy: false,
        inspection_id: undefined,
      },
    ],
  ])('%s', (_what, metadata, expected) => {
    expect(readEscalationMetadata(metadata)).toEqual(expected);
  });
});

describe(readEdgeResult.name, () => {
  it.each([
    ['not an object', 'x', undefined],
    ['an object with nothing known', { foo: 1 }, undefined],
    [
      'null confidences',
      { class_index: 2, adjusted_confidence: null },
      { class_index: 2, adjusted_confidence: null },
    ],
    ['an old writer', { confidence: 0.4 }, { confidence: 0.4 }],
  ])('%s', (_what, value, expected) => {
    expect(readEdgeResult(value)).toEqual(expected);
  });
});

describe('userMetadata: the caller gets back what it sent', () => {
  it.each([
    ['edge-added keys are dropped', { a: 1, reason: 'NO_MODEL', edge_result: null }, { a: 1 }],
    [
      'all four edge keys go, is_from_edge stays',
      { a: 1, is_from_edge: true, reason: 'AUDIT', is_edge_audit: true, inspection_id: 'x', edge_result: {} },
      { a: 1, is_from_edge: true },
    ],
    ['nothing of the caller left → null', { reason: 'BELOW_THRESHOLD' }, null],
    [
      'a reason that is not a decision reason is the caller’s',
      { reason: 'because', b: 2 },
      { reason: 'because', b: 2 },
    ],
    ['no reason: untouched', { edge_result: 'mine' }, { edge_result: 'mine' }],
    ['not an object', 'text', null],
    ['null', null, null],
  ])('%s', (_name, metadata, expected) => {
    expect(userMetadata(metadata)).toEqual(expected);
  });
});
