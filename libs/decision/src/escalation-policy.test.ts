import { DEFAULT_PRESETS } from '@intellioptics/schema';
import { describe, expect, it } from 'vitest';
import { decide } from './decide';
import { explainDecision } from './explain-decision';
import {
  assertModel,
  ESCALATION_POLICY_FEATURES,
  ESCALATION_POLICY_KIND,
  evaluateEscalationPolicy,
  featureParamsOf,
  policyFeatures,
  rateLogOdds,
  policyObservationOf,
  selectEscalationPolicy,
  type EscalationPolicyModel,
  type PolicyObservation,
} from './escalation-policy';
import type { DecisionInput } from './types';

/** Risk rises with neighbour disagreement only: z = −4·(agreement − 0.5) → agreement 1: 12%, 0: 88%. */
const model: EscalationPolicyModel = {
  kind: ESCALATION_POLICY_KIND,
  features: [...ESCALATION_POLICY_FEATURES],
  mean: [0, 0, 0, 0.5, 0, 0, 0, 0],
  scale: [1, 1, 1, 1, 1, 1, 1, 1],
  weights: [0, 0, 0, -4, 0, 0, 0, 0],
  bias: 0,
  risk_threshold: 0.5,
  conformal_quantile: 0.65,
  conformal_alpha: 0.1,
  neighbors: 5,
  class_risk: { YES: 0.1, NO: 0.3 },
  class_risk_default: 0.2,
  risk_control: 'learn_then_test',
  target_risk: 0.02,
  delta: 0.1,
  confidence_threshold: 0.9,
  held_out: {
    examples: 300,
    escalation_rate_threshold: 0.3,
    escalation_rate_policy: 0.2,
    edge_error_threshold: 0.02,
    edge_error_policy: 0.018,
    aurc_confidence: 0.03,
    aurc_policy: 0.02,
    won: true,
  },
  history_examples: 600,
};
const obs = (p: number, neighbors: string[]): PolicyObservation => ({
  classNames: ['YES', 'NO'],
  probabilities: [p, 1 - p],
  inDomain: 0.9,
  neighborLabels: neighbors,
  modelAgeDays: 2,
  auditDisagreement: null,
});

const logit = (r: number) => Math.log(r / (1 - r));

describe('policy features', () => {
  it.each([
    // p(YES), neighbours, [confidence, margin, in_domain, agreement, set size, age, audits, class risk]
    [0.95, ['YES', 'YES', 'NO', 'YES', 'YES'], [0.95, 0.9, 0.9, 0.8, 1, 2, 0, logit(0.1)]],
    [0.6, ['NO', 'NO', 'NO'], [0.6, 0.2, 0.9, 0, 2, 2, 0, logit(0.1)]],
    [0.2, [], [0.8, 0.6, 0.9, 0.5, 1, 2, 0, logit(0.3)]],
  ])('p %s, neighbours %j', (p, nb, want) => {
    const f = policyFeatures(obs(p, nb), featureParamsOf(model));
    f.values.forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 10));
  });
  it.each([
    ['a class in the table', { YES: 0.25 }, 0.25],
    ['a class the history never answered: the overall rate', { NO: 0.25 }, 0.2],
    ['never wrong in the history: kept finite', { YES: 0 }, 0],
  ])('class risk of %s', (_, table, want) => {
    const f = policyFeatures(obs(0.7, []), { ...featureParamsOf(model), classRisk: table });
    expect(f.classRisk).toBe(want);
    expect(f.values[7]).toBeCloseTo(rateLogOdds(want), 12);
    expect(Number.isFinite(f.values[7])).toBe(true);
  });
});

describe('evaluateEscalationPolicy', () => {
  it.each([
    [
      'agreeing neighbours keep a 0.6 answer',
      0.6,
      ['YES', 'YES', 'YES', 'YES', 'YES'],
      false,
      '{YES, NO}',
      0,
    ],
    [
      'disagreeing neighbours escalate a 0.95 answer',
      0.95,
      ['NO', 'NO', 'NO', 'YES', 'NO'],
      true,
      '{YES}',
      4,
    ],
  ])('%s', (_, p, nb, escalate, set, disagree) => {
    const v = evaluateEscalationPolicy(model, obs(p, nb));
    expect(v.escalate).toBe(escalate);
    expect(v.text).toContain(`conformal set ${set}`);
    expect(v.text).toContain(`${disagree} of 5 nearest labelled examples disagree`);
    expect(v.text).toContain('YES wrong in 10% of past escalations');
  });
  it('refuses a policy that does not fit the contract', () => {
    expect(() => evaluateEscalationPolicy({ ...model, weights: [1] }, obs(0.9, []))).toThrow(RangeError);
  });
});

const base: DecisionInput = {
  preset: DEFAULT_PRESETS.default,
  humanReview: 'DEFAULT',
  wantAsync: false,
  detectorThreshold: 0.9,
  inference: { status: 'ok', mode: 'BINARY', primaryConfidence: 0.95 },
  lastEscalationAtMs: undefined,
  nowMs: 10_000,
  auditRoll: 0.5,
  confidentAuditRate: 0,
};
const agree = ['YES', 'YES', 'YES', 'YES', 'YES'];
const disagree = ['NO', 'NO', 'NO', 'NO', 'NO'];
const withPolicy = (conf: number, nb: string[], over: Partial<DecisionInput> = {}): DecisionInput => ({
  ...base,
  inference: { status: 'ok', mode: 'BINARY', primaryConfidence: conf },
  escalationPolicy: { model, observation: obs(conf, nb) },
  ...over,
});

describe('decide with a learned policy', () => {
  it.each<[string, DecisionInput, string, string]>([
    ['confident, neighbours agree', withPolicy(0.95, agree), 'answer_edge', 'CONFIDENT'],
    ['below threshold, neighbours agree: kept', withPolicy(0.6, agree), 'answer_edge', 'POLICY_CONFIDENT'],
    [
      'below threshold, neighbours disagree: escalated',
      withPolicy(0.6, disagree),
      'escalate_sync',
      'POLICY_RISK',
    ],
    // The policy only rescues escalations: what the threshold keeps it never sends to people.
    ['confident, neighbours disagree: still kept', withPolicy(0.95, disagree), 'answer_edge', 'CONFIDENT'],
    [
      'edge_answers_with_escalation: background escalation',
      withPolicy(0.6, disagree, { preset: DEFAULT_PRESETS.edge_answers_with_escalation }),
      'answer_edge',
      'POLICY_RISK',
    ],
    [
      'a detector threshold the policy was not certified at keeps the threshold policy',
      withPolicy(0.6, agree, { detectorThreshold: 0.8 }),
      'escalate_sync',
      'BELOW_THRESHOLD',
    ],
    [
      'a request threshold keeps the threshold policy',
      withPolicy(0.6, agree, { requestThreshold: 0.9 }),
      'escalate_sync',
      'BELOW_THRESHOLD',
    ],
    [
      'a policy off its contract falls back to the threshold',
      {
        ...withPolicy(0.6, agree),
        escalationPolicy: { model: { ...model, bias: NaN }, observation: obs(0.6, agree) },
      },
      'escalate_sync',
      'BELOW_THRESHOLD',
    ],
    [
      'policy-kept answers are still audited',
      withPolicy(0.6, agree, { confidentAuditRate: 1 }),
      'answer_edge',
      'AUDIT',
    ],
  ])('%s', (_, input, kind, reason) => {
    const d = decide(input);
    expect(d.kind).toBe(kind);
    expect(d.reason).toBe(reason);
  });

  it('explains a policy escalation in a policy step', () => {
    const d = decide(withPolicy(0.6, disagree));
    const steps = explainDecision({ decision: d, label: 'YES' });
    const policy = steps.find((s) => s.kind === 'policy');
    expect(policy?.text).toContain('5 of 5 nearest labelled examples disagree');
    expect(policy?.data?.['escalate']).toBe(true);
    expect(steps.at(-1)?.kind).toBe('decision');
  });
});

describe(assertModel.name, () => {
  it('checks a model object once and keeps rejecting one off its contract', () => {
    const bad = { ...model, weights: [1] };
    expect(() => assertModel(bad)).toThrow(/off its contract/);
    expect(() => assertModel(bad)).toThrow(/off its contract/);
    expect(() => assertModel(model)).not.toThrow();
    expect(() => assertModel(model)).not.toThrow();
  });
});

describe(selectEscalationPolicy.name, () => {
  const lost: EscalationPolicyModel = { ...model, held_out: { ...model.held_out, won: false } };
  it.each([
    ['threshold', model, null, 'SETTING_THRESHOLD'],
    ['threshold', null, null, 'SETTING_THRESHOLD'],
    ['learned', model, model, 'SETTING_LEARNED'],
    ['learned', lost, lost, 'SETTING_LEARNED'],
    ['learned', null, null, 'NONE_SHIPPED'],
    [null, model, model, 'WON_HELD_OUT'],
    [undefined, model, model, 'WON_HELD_OUT'],
    [null, lost, null, 'DID_NOT_WIN'],
    [undefined, undefined, null, 'NONE_SHIPPED'],
  ] as const)('setting %s, shipped %#', (setting, shipped, expected, choice) => {
    expect(selectEscalationPolicy(setting, shipped)).toEqual({ model: expected, choice });
  });
});

describe(policyObservationOf.name, () => {
  it('reads class order, probabilities, OODD and the policy inputs of an inference answer', () => {
    expect(
      policyObservationOf({
        probabilities: { YES: 0.7, NO: 0.3 },
        in_domain_probability: 0.9,
        escalation_policy: { neighbor_labels: ['NO', 'YES'], model_age_days: 2 },
      }),
    ).toEqual({
      classNames: ['YES', 'NO'],
      probabilities: [0.7, 0.3],
      inDomain: 0.9,
      neighborLabels: ['NO', 'YES'],
      modelAgeDays: 2,
      auditDisagreement: null,
    });
  });
  it('is null without policy inputs or without a distribution', () => {
    expect(
      policyObservationOf({ probabilities: { YES: 0.7, NO: 0.3 }, in_domain_probability: null }),
    ).toBeNull();
    expect(
      policyObservationOf({
        probabilities: {},
        in_domain_probability: null,
        escalation_policy: { neighbor_labels: [], model_age_days: 0 },
      }),
    ).toBeNull();
  });
});
