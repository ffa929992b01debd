import { DEFAULT_PRESETS } from '@intellioptics/schema';
import { describe, expect, it } from 'vitest';
import { decide } from './decide';
import {
  decideWithoutModel,
  edgeAnswerIsFinal,
  endSyncEscalation,
  outboxKindFor,
  type SyncAttempt,
  type SyncEscalationEnd,
} from './escalation-outcome';
import type { Decision, RequestContext } from './types';

describe('outboxKindFor / edgeAnswerIsFinal', () => {
  it.each([
    ['none', null, true],
    ['audit', 'audit', true],
    ['background', 'escalation', false],
  ] as const)('escalate=%s → outbox %s, final %s', (escalate, kind, final) => {
    expect(outboxKindFor(escalate)).toBe(kind);
    expect(edgeAnswerIsFinal(escalate)).toBe(final);
  });
});

const attempt = (over: Partial<SyncAttempt>): SyncAttempt => ({
  delivery: 'delivered',
  refused: false,
  cloudAnswered: true,
  ...over,
});

describe('endSyncEscalation', () => {
  const rows: [string, Parameters<typeof endSyncEscalation>, SyncEscalationEnd][] = [
    ['reject: the cloud answered', ['reject', attempt({}), false], { kind: 'cloud_answer' }],
    [
      'reject: the cloud refused (4xx)',
      ['reject', attempt({ delivery: 'failed', refused: true, cloudAnswered: false }), false],
      { kind: 'reject', code: 'BAD_REQUEST' },
    ],
    [
      'reject: a 401 is a refusal too, though the outbox would retry it',
      ['reject', attempt({ delivery: 'retry', refused: true, cloudAnswered: false }), false],
      { kind: 'reject', code: 'BAD_REQUEST' },
    ],
    [
      'reject: unreachable',
      ['reject', attempt({ delivery: 'retry', cloudAnswered: false }), false],
      { kind: 'reject', code: 'CLOUD_UNREACHABLE' },
    ],
    ['edge_answer: delivered with a body', ['edge_answer', attempt({}), true], { kind: 'cloud_answer' }],
    [
      'edge_answer: delivered without a body (409) keeps the edge answer',
      ['edge_answer', attempt({ cloudAnswered: false }), true],
      { kind: 'local_answer', answeredBy: 'edge' },
    ],
    [
      'edge_answer: transient failure',
      ['edge_answer', attempt({ delivery: 'retry', cloudAnswered: false }), true],
      { kind: 'local_answer', answeredBy: 'edge' },
    ],
    [
      'edge_answer: refused for good → the edge answer is final',
      ['edge_answer', attempt({ delivery: 'failed', refused: true, cloudAnswered: false }), true],
      { kind: 'edge_answer_final' },
    ],
    [
      'edge_answer without a mappable edge result: transient',
      ['edge_answer', attempt({ delivery: 'retry', cloudAnswered: false }), false],
      { kind: 'local_answer', answeredBy: 'edge_async' },
    ],
    [
      'outbox: transient failure → result null, delivered later',
      ['outbox', attempt({ delivery: 'retry', cloudAnswered: false }), false],
      { kind: 'local_answer', answeredBy: 'edge_async' },
    ],
    [
      'outbox: refused for good and nothing to answer with',
      ['outbox', attempt({ delivery: 'failed', refused: true, cloudAnswered: false }), false],
      { kind: 'reject', code: 'BAD_REQUEST' },
    ],
    ['outbox: delivered', ['outbox', attempt({}), false], { kind: 'cloud_answer' }],
  ];
  it.each(rows)('%s', (_name, args, expected) => {
    expect(endSyncEscalation(...args)).toEqual(expected);
  });
});

describe('decideWithoutModel', () => {
  const ctx: RequestContext = {
    preset: DEFAULT_PRESETS.default,
    humanReview: 'DEFAULT',
    wantAsync: false,
    detectorThreshold: 0.9,
  };
  const rows: [string, Partial<RequestContext>, Partial<Decision>][] = [
    [
      'default, cloud reachable → sync escalation, result null',
      {},
      { kind: 'escalate_sync', fallback: 'outbox', reason: 'NO_MODEL' },
    ],
    [
      'default, cloud unreachable → async',
      { cloudReachable: false },
      { kind: 'accept_async', reason: 'NO_MODEL' },
    ],
    [
      'no_cloud → 503 edge only',
      { preset: DEFAULT_PRESETS.no_cloud },
      { kind: 'reject', code: 'EDGE_ONLY_UNAVAILABLE', edgeOnly: true, reason: 'NO_MODEL' },
    ],
    [
      'edge_answers_with_escalation → 503 edge only',
      { preset: DEFAULT_PRESETS.edge_answers_with_escalation },
      { kind: 'reject', code: 'EDGE_ONLY_UNAVAILABLE', reason: 'NO_MODEL' },
    ],
  ];
  it.each(rows)('%s', (_name, over, expected) => {
    expect(decideWithoutModel({ ...ctx, ...over })).toMatchObject(expected);
  });

  it('agrees with decide for a no_model outcome whatever the cooldown and audit inputs', () => {
    for (const preset of Object.values(DEFAULT_PRESETS)) {
      for (const cloudReachable of [true, false, undefined]) {
        const c = { ...ctx, preset, cloudReachable };
        expect(decideWithoutModel(c)).toEqual(
          decide({
            ...c,
            inference: { status: 'no_model' },
            lastEscalationAtMs: 9_999,
            nowMs: 10_000,
            auditRoll: 0.000001,
            confidentAuditRate: 1,
          }),
        );
      }
    }
  });
});
