import { describe, expect, it } from 'vitest';
import type { AlertCondition } from '@intellioptics/schema';
import {
  initialAlertState,
  nextClockDeadline,
  stepAlertCondition,
  type AlertInput,
  type AlertRuleView,
} from './alert-condition';

const S = 1000;

/** `YES@3`: an answer YES at 3 s; `~@10`: the clock at 10 s; `h:YES@3`: a person's answer. */
function inputs(script: string): AlertInput[] {
  return script
    .split(/\s+/)
    .filter(Boolean)
    .map((tok) => {
      const [what, t] = tok.split('@') as [string, string];
      const at = Number(t) * S;
      if (what === '~') return { kind: 'clock', at };
      const human = what.startsWith('h:');
      const label = what.replace(/^h:/, '');
      return { kind: 'answer', at, label: label === '-' ? null : label, human };
    });
}

/** The times (s) at which the rule fired over the script. */
function firings(rule: Partial<AlertRuleView> & { condition: AlertCondition }, script: string): number[] {
  const view: AlertRuleView = { snoozeMs: 0, humanReviewRequired: false, ...rule };
  let state = initialAlertState(0);
  const out: number[] = [];
  for (const input of inputs(script)) {
    const step = stepAlertCondition(view, state, input);
    state = step.state;
    if (step.fired) out.push(step.fired.at / S);
  }
  return out;
}

const consecutive = (n: number, label = 'YES'): AlertCondition => ({
  verb: 'ANSWERED_CONSECUTIVELY',
  parameters: { num_consecutive_labels: n, label },
});
const changedTo = (label = 'YES'): AlertCondition => ({ verb: 'CHANGED_TO', parameters: { label } });
const within = (seconds: number, label = 'YES'): AlertCondition => ({
  verb: 'ANSWERED_WITHIN_TIME',
  parameters: { label, time_value: seconds, time_unit: 'SECONDS' },
});
const noChange = (seconds: number): AlertCondition => ({
  verb: 'NO_CHANGE',
  parameters: { time_value: seconds, time_unit: 'SECONDS' },
});
const noQueries = (seconds: number): AlertCondition => ({
  verb: 'NO_QUERIES',
  parameters: { time_value: seconds, time_unit: 'SECONDS' },
});

describe('stepAlertCondition', () => {
  it.each([
    ['3 YES in a row fires on the third', consecutive(3), 'YES@1 YES@2 YES@3 YES@4', [3]],
    ['a NO breaks the run', consecutive(3), 'YES@1 YES@2 NO@3 YES@4 YES@5', []],
    ['re-arms after the run breaks', consecutive(2), 'YES@1 YES@2 YES@3 NO@4 YES@5 YES@6', [2, 6]],
    ['N = 1 fires on each new run', consecutive(1), 'YES@1 YES@2 NO@3 YES@4', [1, 4]],
    ['other label never fires', consecutive(2, 'NO'), 'YES@1 YES@2 YES@3', []],
    ['an answer without a result does not break the run', consecutive(2), 'YES@1 -@2 YES@3', [3]],
  ])('ANSWERED_CONSECUTIVELY: %s', (_, condition, script, want) => {
    expect(firings({ condition }, script)).toEqual(want);
  });

  it.each([
    ['NO → YES fires', changedTo(), 'NO@1 YES@2 YES@3', [2]],
    ['the first answer is not a change', changedTo(), 'YES@1 YES@2', []],
    ['each change fires', changedTo(), 'NO@1 YES@2 NO@3 YES@4', [2, 4]],
    ['a change to another label does not', changedTo(), 'YES@1 NO@2 UNCLEAR@3', []],
  ])('CHANGED_TO: %s', (_, condition, script, want) => {
    expect(firings({ condition }, script)).toEqual(want);
  });

  it.each([
    ['the first YES fires', within(10), 'NO@1 YES@2 YES@5 YES@11', [2]],
    ['fires again after a quiet window', within(10), 'YES@1 NO@5 YES@12', [1, 12]],
    ['YES inside the window keeps it held', within(10), 'YES@1 YES@10 YES@19 YES@28', [1]],
    ['only the label counts', within(10), 'NO@1 NO@2', []],
  ])('ANSWERED_WITHIN_TIME: %s', (_, condition, script, want) => {
    expect(firings({ condition }, script)).toEqual(want);
  });

  it.each([
    ['the clock fires after the window', noChange(10), 'YES@1 YES@5 ~@10 ~@11 ~@20', [11]],
    ['a change restarts the window', noChange(10), 'YES@1 NO@8 ~@12 ~@18', [18]],
    ['once per stable stretch', noChange(10), 'YES@1 ~@11 YES@15 ~@30 NO@31 ~@41', [11, 41]],
    ['an answer after the deadline fires as the clock', noChange(10), 'YES@1 YES@20', [20]],
    ['no answer yet: nothing to be unchanged', noChange(10), '~@50', []],
  ])('NO_CHANGE: %s', (_, condition, script, want) => {
    expect(firings({ condition }, script)).toEqual(want);
  });

  it.each([
    ['no answer since the start', noQueries(10), '~@5 ~@10 ~@15', [10]],
    ['an answer restarts the window', noQueries(10), 'YES@5 ~@10 ~@15', [15]],
    ['re-arms after an answer', noQueries(10), '~@10 YES@12 ~@22', [10, 22]],
    ['answers in time never fire', noQueries(10), 'YES@5 NO@14 YES@23 ~@30', []],
  ])('NO_QUERIES: %s', (_, condition, script, want) => {
    expect(firings({ condition }, script)).toEqual(want);
  });

  it.each([
    ['a second firing inside the snooze is silent', 30, 'NO@1 YES@2 NO@3 YES@4 NO@5 YES@40', [2, 40]],
    ['snooze counts from the last delivered firing', 10, 'NO@0 YES@1 NO@2 YES@9 NO@10 YES@12', [1, 12]],
    ['no snooze: every firing', 0, 'NO@1 YES@2 NO@3 YES@4', [2, 4]],
  ])('snooze: %s', (_, seconds, script, want) => {
    expect(firings({ condition: changedTo(), snoozeMs: seconds * S }, script)).toEqual(want);
  });

  it('reports a silent rising edge as snoozed', () => {
    const rule: AlertRuleView = { condition: consecutive(1), snoozeMs: 60 * S, humanReviewRequired: false };
    let state = initialAlertState(0);
    state = stepAlertCondition(rule, state, { kind: 'answer', at: 1 * S, label: 'YES', human: false }).state;
    state = stepAlertCondition(rule, state, { kind: 'answer', at: 2 * S, label: 'NO', human: false }).state;
    const step = stepAlertCondition(rule, state, { kind: 'answer', at: 3 * S, label: 'YES', human: false });
    expect(step).toMatchObject({ fired: null, snoozed: true });
  });

  it.each([
    ['machine answers are ignored', consecutive(2), 'YES@1 YES@2 h:YES@3 h:YES@4', [4]],
    ['machine answers still count as queries', noQueries(10), 'YES@5 ~@14 ~@15', [15]],
  ])('human_review_required: %s', (_, condition, script, want) => {
    expect(firings({ condition, humanReviewRequired: true }, script)).toEqual(want);
  });
});

describe('nextClockDeadline', () => {
  it.each([
    ['NO_QUERIES from the start', noQueries(10), [], 10],
    ['NO_QUERIES from the last answer', noQueries(10), inputs('YES@4'), 14],
    ['NO_CHANGE from the last change', noChange(10), inputs('YES@4 YES@6 NO@7'), 17],
    ['NO_CHANGE before any answer', noChange(10), [], null],
    ['NO_QUERIES already fired', noQueries(10), inputs('~@11'), null],
    ['answer verbs need no clock', changedTo(), inputs('YES@1'), null],
  ])('%s', (_, condition, script, want) => {
    const rule: AlertRuleView = { condition, snoozeMs: 0, humanReviewRequired: false };
    let state = initialAlertState(0);
    for (const i of script) state = stepAlertCondition(rule, state, i).state;
    expect(nextClockDeadline(condition, state)).toBe(want === null ? null : want * S);
  });
});
