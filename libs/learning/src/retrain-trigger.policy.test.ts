import { describe, expect, it } from 'vitest';
import { decideRetrain, newLabelsNeeded, type RetrainState } from './retrain-trigger.policy';

const NOW = 1_000_000;
const base: RetrainState = {
  labelsPerClass: { YES: 3, NO: 3 },
  newLabelsSinceLastAttempt: null,
  lastAttempt: null,
  hasPublishedVersion: false,
  jobActive: false,
  lastLabelAtMs: NOW - 60_000,
  firstPendingLabelAtMs: NOW - 120_000,
  nowMs: NOW,
};
const s = (over: Partial<RetrainState>): RetrainState => ({ ...base, ...over });
const trained = { outcome: 'PUBLISHED' as const, finishedAtMs: NOW - 600_000 };
/** A published detector with 20 new labels of 20 needed: due, so the debounce decides. */
const later = (over: Partial<RetrainState>): RetrainState =>
  s({
    labelsPerClass: { YES: 60, NO: 60 },
    newLabelsSinceLastAttempt: 20,
    lastAttempt: trained,
    hasPublishedVersion: true,
    ...over,
  });

describe(decideRetrain.name, () => {
  it.each([
    ['first version: 3 per class, 2 classes', s({}), true, 'FIRST_VERSION_DUE'],
    ['first version: one class short', s({ labelsPerClass: { YES: 3, NO: 2 } }), false, 'NOT_ENOUGH_LABELS'],
    ['first version: a single class', s({ labelsPerClass: { YES: 30 } }), false, 'NOT_ENOUGH_LABELS'],
    [
      'first version: 2 of 3 classes are enough',
      s({ labelsPerClass: { a: 3, b: 4, c: 0 } }),
      true,
      'FIRST_VERSION_DUE',
    ],
    ['a job is queued or running', s({ jobActive: true }), false, 'JOB_ACTIVE'],
    [
      'first version while labels keep arriving (one 50 ms ago): at once',
      s({ lastLabelAtMs: NOW - 50, firstPendingLabelAtMs: NOW - 1_000 }),
      true,
      'FIRST_VERSION_DUE',
    ],
    [
      'debounce: a label 2 s ago',
      later({ lastLabelAtMs: NOW - 2_000, firstPendingLabelAtMs: NOW - 5_000 }),
      false,
      'DEBOUNCING',
    ],
    [
      'debounce ends after 10 s of quiet',
      later({ lastLabelAtMs: NOW - 10_000, firstPendingLabelAtMs: NOW - 30_000 }),
      true,
      'NEW_LABELS_DUE',
    ],
    [
      'debounce capped 120 s after the first pending label',
      later({ lastLabelAtMs: NOW - 1_000, firstPendingLabelAtMs: NOW - 120_000 }),
      true,
      'NEW_LABELS_DUE',
    ],
    [
      'a stream: 2× the needed labels pending, labels still arriving: at once',
      later({ newLabelsSinceLastAttempt: 40, lastLabelAtMs: NOW - 50, firstPendingLabelAtMs: NOW - 2_000 }),
      true,
      'NEW_LABELS_DUE',
    ],
    [
      'a stream: 39 pending of 2 × 20: still debouncing',
      later({ newLabelsSinceLastAttempt: 39, lastLabelAtMs: NOW - 50, firstPendingLabelAtMs: NOW - 2_000 }),
      false,
      'DEBOUNCING',
    ],
    [
      'retrain: 19 new labels of 20 needed',
      s({
        labelsPerClass: { YES: 60, NO: 59 },
        newLabelsSinceLastAttempt: 19,
        lastAttempt: trained,
        hasPublishedVersion: true,
      }),
      false,
      'NOT_ENOUGH_NEW_LABELS',
    ],
    [
      'retrain: 20 new labels',
      s({
        labelsPerClass: { YES: 60, NO: 60 },
        newLabelsSinceLastAttempt: 20,
        lastAttempt: trained,
        hasPublishedVersion: true,
      }),
      true,
      'NEW_LABELS_DUE',
    ],
    [
      'retrain: step grows to 10% of the labels (1,100 → needs 110)',
      s({
        labelsPerClass: { YES: 550, NO: 550 },
        newLabelsSinceLastAttempt: 100,
        lastAttempt: trained,
        hasPublishedVersion: true,
      }),
      false,
      'NOT_ENOUGH_NEW_LABELS',
    ],
    [
      'a refused candidate is not retrained on the same labels',
      s({
        labelsPerClass: { YES: 50, NO: 50 },
        newLabelsSinceLastAttempt: 0,
        lastAttempt: { outcome: 'REFUSED', finishedAtMs: NOW - 600_000 },
        hasPublishedVersion: true,
      }),
      false,
      'NOT_ENOUGH_NEW_LABELS',
    ],
    [
      'failure backoff',
      s({ newLabelsSinceLastAttempt: 0, lastAttempt: { outcome: 'FAILED', finishedAtMs: NOW - 60_000 } }),
      false,
      'FAILURE_BACKOFF',
    ],
    [
      'retry after the backoff',
      s({ newLabelsSinceLastAttempt: 0, lastAttempt: { outcome: 'FAILED', finishedAtMs: NOW - 300_000 } }),
      true,
      'RETRY_AFTER_FAILURE',
    ],
    [
      'relabels count as new labels',
      s({
        labelsPerClass: { YES: 50, NO: 50 },
        newLabelsSinceLastAttempt: 20,
        lastAttempt: trained,
        hasPublishedVersion: true,
      }),
      true,
      'NEW_LABELS_DUE',
    ],
    [
      'no published version yet after an attempt: any new label retrains',
      s({ labelsPerClass: { YES: 4, NO: 3 }, newLabelsSinceLastAttempt: 1, lastAttempt: trained }),
      true,
      'FIRST_VERSION_DUE',
    ],
  ] as const)('%s', (_name, state, train, reason) => {
    const d = decideRetrain(state);
    expect(d.reason).toBe(reason);
    expect(d.train).toBe(train);
  });

  it('says when to look again while debouncing and backing off', () => {
    expect(
      decideRetrain(later({ lastLabelAtMs: NOW - 2_000, firstPendingLabelAtMs: NOW - 5_000 })).recheckAtMs,
    ).toBe(NOW + 8_000);
    expect(
      decideRetrain(
        s({ newLabelsSinceLastAttempt: 0, lastAttempt: { outcome: 'FAILED', finishedAtMs: NOW } }),
      ).recheckAtMs,
    ).toBe(NOW + 300_000);
  });

  it('honours a custom configuration', () => {
    expect(decideRetrain(s({}), { minLabelsPerClass: 5 }).reason).toBe('NOT_ENOUGH_LABELS');
    const streaming = { lastLabelAtMs: NOW - 50, firstPendingLabelAtMs: NOW - 1_000 };
    expect(decideRetrain(s(streaming), { firstVersionImmediately: false }).reason).toBe('DEBOUNCING');
    expect(
      decideRetrain(later({ ...streaming, newLabelsSinceLastAttempt: 400 }), { streamBacklogFactor: 0 })
        .reason,
    ).toBe('DEBOUNCING');
    expect(newLabelsNeeded(50)).toBe(20);
    expect(newLabelsNeeded(1000)).toBe(100);
    expect(
      newLabelsNeeded(1000, {
        minNewLabels: 5,
        growthFraction: 0,
        quietMs: 0,
        maxDelayMs: 0,
        failureBackoffMs: 0,
        minClasses: 2,
        minLabelsPerClass: 1,
        firstVersionImmediately: true,
        streamBacklogFactor: 2,
      }),
    ).toBe(5);
  });
});
