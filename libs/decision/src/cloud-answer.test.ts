import { describe, expect, it } from 'vitest';
import { ANSWER_REFRESH_GIVE_UP_MS, answerRefreshGivenUp, isFinalCloudAnswer } from './cloud-answer';

describe('isFinalCloudAnswer', () => {
  it.each([
    ['no result yet', { done_processing: false, result: null }, false],
    [
      'an algorithm answer still in review',
      { done_processing: false, result: { source: 'ALGORITHM' } },
      false,
    ],
    ['a person labelled it', { done_processing: false, result: { source: 'USER' } }, true],
    ['done processing', { done_processing: true, result: { source: 'ALGORITHM' } }, true],
    ['done processing without a result', { done_processing: true, result: null }, true],
  ])('%s → %s', (_name, iq, final) => {
    expect(isFinalCloudAnswer(iq)).toBe(final);
  });
});

describe('answerRefreshGivenUp', () => {
  it.each([
    [0, false],
    [ANSWER_REFRESH_GIVE_UP_MS, false],
    [ANSWER_REFRESH_GIVE_UP_MS + 1, true],
  ])('after %d ms → %s', (age, givenUp) => {
    expect(answerRefreshGivenUp(1_000, 1_000 + age)).toBe(givenUp);
  });
});
