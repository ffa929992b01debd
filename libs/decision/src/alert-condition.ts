/**
 * When an alert rule fires: a pure step over one rule's compact state (not its whole answer history), fed each
 * answer of the rule's detector and the clock. The edge keeps the state in SQLite and commits it together with
 * the alert it produced, so a firing is delivered once and a restart neither repeats nor loses one.
 *
 * A rule fires on the rising edge of its condition: when the condition starts to hold, not again while it
 * keeps holding, and again only after it stopped holding. Per verb, the condition holds when
 * - ANSWERED_CONSECUTIVELY: the last `num_consecutive_labels` answers were `label`;
 * - ANSWERED_WITHIN_TIME: `label` was answered less than the window ago;
 * - CHANGED_TO: the last answer is `label` and the one before it was another label;
 * - NO_CHANGE: the answer has been the same for at least the window (the clock fires it);
 * - NO_QUERIES: no answer for at least the window since the last one or since the rule started (the clock).
 * Snooze: a rising edge less than the snooze after the last delivered firing is silent (not delayed).
 * `human_review_required`: only answers from people move the label state (every answer counts as a query).
 */
import { durationMs, type AlertCondition } from '@intellioptics/schema';

export interface AlertConditionState {
  /** When evaluation started (NO_QUERIES counts from here until the first answer). */
  startedAt: number;
  lastLabel: string | null;
  /** The label before the current run of `lastLabel` (null: the run began with the first answer). */
  prevLabel: string | null;
  /** How many answers in a row were `lastLabel`. */
  streak: number;
  /** When the current run of `lastLabel` began. */
  lastChangeAt: number | null;
  /** When the last answer (any label, any source) was made. */
  lastAnswerAt: number | null;
  /** When the condition's `label` was last answered (ANSWERED_WITHIN_TIME). */
  lastMatchAt: number | null;
  /** The condition held at the last step (a rising edge needs it false first). */
  active: boolean;
  /** The last firing that was delivered (snooze counts from here). */
  lastFiredAt: number | null;
}

export type AlertInput =
  { kind: 'answer'; at: number; label: string | null; human: boolean } | { kind: 'clock'; at: number };

export interface AlertRuleView {
  condition: AlertCondition;
  /** 0: no snooze. */
  snoozeMs: number;
  humanReviewRequired: boolean;
}

export interface AlertStep {
  state: AlertConditionState;
  /** The condition rose and the snooze allows it: deliver one alert. */
  fired: { at: number; cause: 'answer' | 'clock' } | null;
  /** The condition rose inside the snooze (silent). */
  snoozed: boolean;
}

export function initialAlertState(startedAt: number): AlertConditionState {
  return {
    startedAt,
    lastLabel: null,
    prevLabel: null,
    streak: 0,
    lastChangeAt: null,
    lastAnswerAt: null,
    lastMatchAt: null,
    active: false,
    lastFiredAt: null,
  };
}

function windowOf(c: AlertCondition): number {
  return 'time_value' in c.parameters ? durationMs(c.parameters.time_value, c.parameters.time_unit) : 0;
}

/** Whether the condition holds in state `s` at time `at`. */
export function conditionHolds(c: AlertCondition, s: AlertConditionState, at: number): boolean {
  switch (c.verb) {
    case 'ANSWERED_CONSECUTIVELY':
      return s.lastLabel === c.parameters.label && s.streak >= c.parameters.num_consecutive_labels;
    case 'ANSWERED_WITHIN_TIME':
      return s.lastMatchAt !== null && at - s.lastMatchAt < windowOf(c);
    case 'CHANGED_TO':
      return (
        s.lastLabel === c.parameters.label &&
        s.streak === 1 &&
        s.prevLabel !== null &&
        s.prevLabel !== c.parameters.label
      );
    case 'NO_CHANGE':
      return s.lastChangeAt !== null && at - s.lastChangeAt >= windowOf(c);
    case 'NO_QUERIES':
      return at - (s.lastAnswerAt ?? s.startedAt) >= windowOf(c);
  }
}

function withAnswer(rule: AlertRuleView, s: AlertConditionState, a: Extract<AlertInput, { kind: 'answer' }>) {
  const next = { ...s, lastAnswerAt: a.at };
  if (a.label === null || (rule.humanReviewRequired && !a.human)) return next;
  if (a.label === s.lastLabel) {
    next.streak = s.streak + 1;
  } else {
    next.prevLabel = s.lastLabel;
    next.lastLabel = a.label;
    next.streak = 1;
    next.lastChangeAt = a.at;
  }
  if ('label' in rule.condition.parameters && a.label === rule.condition.parameters.label) {
    next.lastMatchAt = a.at;
  }
  return next;
}

function settle(
  rule: AlertRuleView,
  s: AlertConditionState,
  at: number,
  cause: 'answer' | 'clock',
): AlertStep {
  if (!conditionHolds(rule.condition, s, at)) {
    return { state: s.active ? { ...s, active: false } : s, fired: null, snoozed: false };
  }
  if (s.active) return { state: s, fired: null, snoozed: false };
  const snoozed = rule.snoozeMs > 0 && s.lastFiredAt !== null && at - s.lastFiredAt < rule.snoozeMs;
  return {
    state: { ...s, active: true, lastFiredAt: snoozed ? s.lastFiredAt : at },
    fired: snoozed ? null : { at, cause },
    snoozed,
  };
}

/**
 * One step: the clock first (a deadline that passed before this answer fires as the clock's), then the
 * answer. At most one firing per step: an answer resets what the clock would fire on.
 */
export function stepAlertCondition(
  rule: AlertRuleView,
  state: AlertConditionState,
  input: AlertInput,
): AlertStep {
  const clock = settle(rule, state, input.at, 'clock');
  if (input.kind === 'clock') return clock;
  const answered = settle(rule, withAnswer(rule, clock.state, input), input.at, 'answer');
  return {
    state: answered.state,
    fired: answered.fired ?? clock.fired,
    snoozed: answered.snoozed || clock.snoozed,
  };
}

/** When the clock alone could next fire the rule (NO_CHANGE, NO_QUERIES), or null: only an answer can. */
export function nextClockDeadline(c: AlertCondition, s: AlertConditionState): number | null {
  if (s.active) return null;
  if (c.verb === 'NO_QUERIES') return (s.lastAnswerAt ?? s.startedAt) + windowOf(c);
  if (c.verb === 'NO_CHANGE' && s.lastChangeAt !== null) return s.lastChangeAt + windowOf(c);
  return null;
}
