import { describe, expect, it } from 'vitest';
import type { EscalationGroupFieldsFragment } from '../../gql/graphql';
import {
  appliedPolicy,
  heldOutRows,
  policyFitOf,
  reasonText,
  shipsPolicy,
  statCells,
  type PolicyFit,
} from './escalation-panel';

const heldOut = {
  examples: 120,
  escalation_rate_threshold: 0.4,
  escalation_rate_policy: 0.25,
  edge_error_threshold: 0.05,
  edge_error_policy: 0.048,
  aurc_confidence: 0.03,
  aurc_policy: 0.02,
  won: true,
};
const metrics = (policy: unknown) => ({ held_out_accuracy: 0.9, escalation_policy: policy });
const fitOf = (reason: string, won: boolean | null) =>
  policyFitOf(
    metrics({
      reason,
      history_examples: 240,
      target_risk: 0.05,
      risk_threshold: 0.1,
      held_out: won === null ? null : { ...heldOut, won },
    }),
  );

describe('escalation panel', () => {
  it('reads the fit from a version’s metrics, and nothing from versions without one', () => {
    expect(fitOf('FITTED', true)).toEqual({
      reason: 'FITTED',
      historyExamples: 240,
      targetRisk: 0.05,
      audits: null,
      heldOut: {
        examples: 120,
        escalationRateThreshold: 0.4,
        escalationRatePolicy: 0.25,
        edgeErrorThreshold: 0.05,
        edgeErrorPolicy: 0.048,
        won: true,
      },
    });
    expect(policyFitOf({ held_out_accuracy: 0.9 })).toBeNull();
    expect(policyFitOf(null)).toBeNull();
    expect(policyFitOf(metrics({ reason: 'SOMETHING_ELSE' }))).toBeNull();
    expect(policyFitOf(metrics({ reason: 'RECURSIVE_PRIMARY' }))).toEqual({
      reason: 'RECURSIVE_PRIMARY',
      historyExamples: null,
      targetRisk: null,
      audits: null,
      heldOut: null,
    });
    // A held-out block with a missing number is not shown half-filled.
    expect(
      policyFitOf(metrics({ reason: 'NOT_BETTER', held_out: { ...heldOut, edge_error_policy: null } }))
        ?.heldOut,
    ).toBeNull();
  });

  const fitted = fitOf('FITTED', true);
  const notBetter = fitOf('NOT_BETTER', false);
  const notCertified = fitOf('NOT_CERTIFIED', null);
  const small = policyFitOf(metrics({ reason: 'HISTORY_TOO_SMALL', history_examples: 37, held_out: null }));
  const recursive = policyFitOf(metrics({ reason: 'RECURSIVE_PRIMARY' }));

  it.each<[string, 'THRESHOLD' | 'LEARNED' | null, PolicyFit | null, 'threshold' | 'learned', string]>([
    ['threshold setting over a won policy', 'THRESHOLD', fitted, 'threshold', 'set to Threshold'],
    ['learned setting, won', 'LEARNED', fitted, 'learned', 'set to Learned'],
    ['learned setting, shipped but did not win', 'LEARNED', notBetter, 'learned', 'set to Learned'],
    ['learned setting, nothing certified', 'LEARNED', notCertified, 'threshold', 'ships no learned policy'],
    ['learned setting, history too small', 'LEARNED', small, 'threshold', 'ships no learned policy'],
    ['learned setting, recursive primary', 'LEARNED', recursive, 'threshold', 'ships no learned policy'],
    ['learned setting, no published primary', 'LEARNED', null, 'threshold', 'ships no learned policy'],
    ['default, won', null, fitted, 'learned', 'won on held-out data'],
    ['default, did not win', null, notBetter, 'threshold', 'did not win'],
    ['default, nothing shipped', null, small, 'threshold', 'ships no learned policy'],
  ])('%s → %s', (_, setting, fit, policy, why) => {
    const applied = appliedPolicy(setting, fit);
    expect(applied.policy).toBe(policy);
    expect(applied.why).toContain(why);
  });

  it('ships a policy only when it was certified', () => {
    expect([fitted, notBetter, notCertified, small, recursive, null].map(shipsPolicy)).toEqual([
      true,
      true,
      false,
      false,
      false,
      false,
    ]);
  });

  it('says each reason in words', () => {
    expect(reasonText(fitted!)).toContain('won on held-out history');
    expect(reasonText(notBetter!)).toContain('not better than the threshold');
    expect(reasonText(notCertified!)).toContain('could not certify');
    const estimated = (targetRisk: number) =>
      policyFitOf(
        metrics({
          reason: 'NOT_CERTIFIED',
          target_risk: targetRisk,
          target_risk_estimate: { audits: 12, audited: targetRisk, predicted: 0.04, auditUpper: 0.17 },
        }),
      )!;
    expect(estimated(0.025).audits).toBe(12);
    expect(reasonText(estimated(0.025))).toContain('edge error (2.5% on 12 audits).');
    expect(reasonText(estimated(0))).toBe(
      'Not shipped: the threshold’s edge error is 0 on 12 audits, so no escalation can be certified to be answered as well; more audits (confident_audit_rate at the edge) let it learn.',
    );
    expect(reasonText(small!)).toBe('Not shipped: only 37 labelled answers so far (needs 200).');
    expect(reasonText(recursive!)).toContain('recursive head');
  });

  it('formats the held-out before → after rows, lower is better', () => {
    expect(heldOutRows(fitted!.heldOut!)).toEqual([
      { label: 'Escalation rate', before: '40.0%', after: '25.0%', better: true },
      { label: 'Edge error', before: '5.0%', after: '4.8%', better: true },
    ]);
    const worse = heldOutRows({ ...fitted!.heldOut!, edgeErrorPolicy: 0.07 })[1];
    expect(worse).toEqual({ label: 'Edge error', before: '5.0%', after: '7.0%', better: false });
  });

  const group = (g: Partial<EscalationGroupFieldsFragment>): EscalationGroupFieldsFragment => ({
    escalations: 0,
    labelledEscalations: 0,
    audits: 0,
    labelledAudits: 0,
    estimatedAnswers: 0,
    escalationRate: null,
    falseEscalationRate: null,
    edgeAccuracy: null,
    ...g,
  });

  it.each<[string, Partial<EscalationGroupFieldsFragment>, [string, string][]]>([
    [
      'nothing yet',
      {},
      [
        ['—', 'no audits yet: set confident_audit_rate at the edge'],
        ['—', 'no audits yet: set confident_audit_rate at the edge'],
        ['—', 'no audits yet: set confident_audit_rate at the edge'],
      ],
    ],
    [
      'escalations without audits',
      { escalations: 12, labelledEscalations: 5, estimatedAnswers: 12 },
      [
        ['—', 'no audits yet: set confident_audit_rate at the edge'],
        ['—', 'no audits yet: set confident_audit_rate at the edge'],
        ['—', 'no audits yet: set confident_audit_rate at the edge'],
      ],
    ],
    [
      'audits, nothing labelled',
      { escalations: 10, audits: 3, estimatedAnswers: 40, escalationRate: 0.25 },
      [
        ['25.0%', '10 escalations of ≈40 edge answers'],
        ['—', 'no labelled escalations yet: label them in the review queue'],
        ['—', '3 audits, none labelled yet'],
      ],
    ],
    [
      'audits and no escalations',
      { audits: 2, labelledAudits: 2, estimatedAnswers: 20, escalationRate: 0, edgeAccuracy: 1 },
      [
        ['0.0%', '0 escalations of ≈20 edge answers'],
        ['—', 'no escalations in these 30 days'],
        ['100.0%', 'from 2 labelled audits'],
      ],
    ],
    [
      'everything estimated',
      {
        escalations: 10,
        labelledEscalations: 8,
        audits: 5,
        labelledAudits: 4,
        estimatedAnswers: 110.4,
        escalationRate: 10 / 110.4,
        falseEscalationRate: 0.0453,
        edgeAccuracy: 0.75,
      },
      [
        ['9.1%', '10 escalations of ≈110 edge answers'],
        ['4.5%', 'from 8 labelled escalations'],
        ['75.0%', 'from 4 labelled audits'],
      ],
    ],
  ])('stat cells: %s', (_, g, expected) => {
    const cells = statCells(group(g));
    expect(cells.map((c) => c.label)).toEqual([
      'Escalation rate',
      'False-escalation rate (est.)',
      'Edge accuracy (audits)',
    ]);
    expect(cells.map((c) => [c.value, c.note])).toEqual(expected);
  });
});
