import { describe, expect, it } from 'vitest';
import { badgeFor, humanReason, similarityText, wasEscalated, whyItCame } from './reasons';

describe('the reason chain', () => {
  it('gives every contract kind an icon and a label, and unknown kinds their own name', () => {
    for (const kind of ['observation', 'domain', 'confidence', 'reasoning', 'policy', 'rule', 'decision']) {
      const b = badgeFor(kind);
      expect(b.tone).not.toBe('other');
      expect(b.icon.length).toBeGreaterThan(0);
    }
    expect(badgeFor('future_kind')).toEqual({ icon: '•', label: 'future_kind', tone: 'other' });
    expect(badgeFor('toString').tone).toBe('other');
  });

  it('says why an escalation came: each decision that escalated, then the policy', () => {
    const steps = [
      { kind: 'observation', text: 'The model saw YES at 62%.' },
      { kind: 'policy', text: 'Conformal set {YES, NO}; 3 of 5 neighbours disagree.' },
      {
        kind: 'decision',
        text: 'Escalated to the cloud: 62% is below the threshold 90%.',
        data: { escalated: true, reason: 'BELOW_THRESHOLD' },
      },
      { kind: 'decision', text: 'Queued for review: no cloud model.', data: { escalated: true } },
      { kind: 'decision', text: 'Labelled by a reviewer: "YES".', data: { answered_by: 'reviewer' } },
    ];
    expect(wasEscalated(steps)).toBe(true);
    expect(whyItCame(steps, 'LOW_CONFIDENCE')).toEqual([
      'Escalated to the cloud: 62% is below the threshold 90%.',
      'Queued for review: no cloud model.',
      'Conformal set {YES, NO}; 3 of 5 neighbours disagree.',
    ]);
    const answered = [{ kind: 'decision', text: 'Answered at the edge.', data: { escalated: false } }];
    expect(wasEscalated(answered)).toBe(false);
    expect(whyItCame(answered, 'LOW_CONFIDENCE')).toEqual(['Escalated: low confidence.']);
    expect(whyItCame(null, null)).toEqual([]);
    expect(whyItCame([{ kind: 'decision', text: '  ', data: { escalated: true } }], 'AUDIT')).toEqual([
      'Escalated: audit.',
    ]);
    expect(wasEscalated([{ kind: 'decision', text: 'x', data: 'escalated' }])).toBe(false);
  });

  it('reads reason codes and similarities as words', () => {
    expect(humanReason('OUT_OF_DOMAIN')).toBe('out of domain');
    expect(similarityText(0.934)).toBe('93% similar');
  });
});
