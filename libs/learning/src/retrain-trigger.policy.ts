/**
 * When to train a detector (pure; the clock is passed in). ARCHITECTURE.md "The learning loop" step 3.
 *
 * 1. One job per detector at a time: a queued or running job → WAIT (JOB_ACTIVE).
 * 2. First version: as soon as ≥ `minClasses` classes have ≥ `minLabelsPerClass` labels each, with no
 *    debounce (`firstVersionImmediately`): until it exists every query is escalated, and under a steady
 *    stream of labels the labels are never quiet, so waiting meant waiting the full `maxDelayMs`.
 * 3. Later versions: after ≥ newLabels(total) labels (relabels count) arrived since the last training attempt
 *    (published or refused, so a refused candidate is not retrained on the same labels), newLabels(total) =
 *    max(`minNewLabels`, ⌈`growthFraction`·total⌉): retraining cost grows with the label count, so the
 *    step does too.
 * 4. Debounce: once due, train when labels have been quiet for `quietMs`, or `maxDelayMs` after the first
 *    label the next job will consume, whichever comes first (a reviewer labelling a burst gets one job), or
 *    at once when `streamBacklogFactor` × the needed new labels are already pending (a stream, not a burst:
 *    later versions keep pace with it instead of falling `maxDelayMs` behind).
 * 5. Failure backoff: after a failed attempt, wait `failureBackoffMs` before retrying the same labels.
 */
export interface RetrainTriggerConfig {
  minLabelsPerClass: number;
  minClasses: number;
  minNewLabels: number;
  growthFraction: number;
  quietMs: number;
  maxDelayMs: number;
  failureBackoffMs: number;
  firstVersionImmediately: boolean;
  /** 0 = off. */
  streamBacklogFactor: number;
}

export const DEFAULT_RETRAIN_TRIGGER: RetrainTriggerConfig = {
  minLabelsPerClass: 3,
  minClasses: 2,
  minNewLabels: 20,
  growthFraction: 0.1,
  quietMs: 10_000,
  maxDelayMs: 120_000,
  failureBackoffMs: 300_000,
  firstVersionImmediately: true,
  streamBacklogFactor: 2,
};

export interface RetrainState {
  /** Usable labels per class name (UNCLEAR and the like excluded). */
  labelsPerClass: Record<string, number>;
  /**
   * Labels given since the last training attempt (any outcome) took its snapshot, relabels included; null
   * before the first attempt.
   */
  newLabelsSinceLastAttempt: number | null;
  lastAttempt: { outcome: 'PUBLISHED' | 'REFUSED' | 'FAILED'; finishedAtMs: number } | null;
  hasPublishedVersion: boolean;
  jobActive: boolean;
  /** When the newest label arrived, and the oldest label not yet consumed by an attempt. */
  lastLabelAtMs: number | null;
  firstPendingLabelAtMs: number | null;
  nowMs: number;
}

export type RetrainReason =
  | 'JOB_ACTIVE'
  | 'NOT_ENOUGH_LABELS'
  | 'NOT_ENOUGH_NEW_LABELS'
  | 'DEBOUNCING'
  | 'FAILURE_BACKOFF'
  | 'FIRST_VERSION_DUE'
  | 'NEW_LABELS_DUE'
  | 'RETRY_AFTER_FAILURE';

export interface RetrainDecision {
  train: boolean;
  reason: RetrainReason;
  /** When to look again (ms since epoch) if not training now and a time is known. */
  recheckAtMs: number | null;
  newLabels: number;
  newLabelsNeeded: number;
}

export function newLabelsNeeded(total: number, cfg: RetrainTriggerConfig = DEFAULT_RETRAIN_TRIGGER): number {
  return Math.max(cfg.minNewLabels, Math.ceil(cfg.growthFraction * total));
}

export function decideRetrain(
  state: RetrainState,
  config: Partial<RetrainTriggerConfig> = {},
): RetrainDecision {
  const cfg = { ...DEFAULT_RETRAIN_TRIGGER, ...config };
  const total = Object.values(state.labelsPerClass).reduce((a, v) => a + v, 0);
  const firstAttempt = state.newLabelsSinceLastAttempt === null;
  const newLabels = state.newLabelsSinceLastAttempt ?? total;
  const needed = firstAttempt ? 0 : newLabelsNeeded(total, cfg);
  const out = (
    train: boolean,
    reason: RetrainReason,
    recheckAtMs: number | null = null,
  ): RetrainDecision => ({
    train,
    reason,
    recheckAtMs,
    newLabels,
    newLabelsNeeded: needed,
  });
  if (state.jobActive) return out(false, 'JOB_ACTIVE');
  const classesReady = Object.values(state.labelsPerClass).filter((v) => v >= cfg.minLabelsPerClass).length;
  if (classesReady < cfg.minClasses) return out(false, 'NOT_ENOUGH_LABELS');

  const failed = state.lastAttempt?.outcome === 'FAILED';
  if (failed && state.lastAttempt) {
    const retryAt = state.lastAttempt.finishedAtMs + cfg.failureBackoffMs;
    if (state.nowMs < retryAt) return out(false, 'FAILURE_BACKOFF', retryAt);
    return out(true, 'RETRY_AFTER_FAILURE');
  }
  // A first version is due on reaching the per-class minimum; later versions also need enough new labels.
  const due = firstAttempt || (state.hasPublishedVersion ? newLabels >= needed : newLabels > 0);
  if (!due) return out(false, 'NOT_ENOUGH_NEW_LABELS');
  const reason: RetrainReason = state.hasPublishedVersion ? 'NEW_LABELS_DUE' : 'FIRST_VERSION_DUE';
  if (state.lastLabelAtMs === null) return out(true, reason);
  if (!state.hasPublishedVersion && firstAttempt && cfg.firstVersionImmediately) return out(true, reason);
  if (cfg.streamBacklogFactor > 0 && !firstAttempt && newLabels >= cfg.streamBacklogFactor * needed)
    return out(true, reason);
  const quietAt = state.lastLabelAtMs + cfg.quietMs;
  const latestAt = (state.firstPendingLabelAtMs ?? state.lastLabelAtMs) + cfg.maxDelayMs;
  if (state.nowMs >= quietAt || state.nowMs >= latestAt) return out(true, reason);
  return out(false, 'DEBOUNCING', Math.min(quietAt, latestAt));
}
