import { describe, expect, it } from 'vitest';
import { MAX_TOASTS, addToast, dismissToast, verbText, type AlertToast } from './toasts';

const alert = (id: string): AlertToast => ({
  alertId: id,
  ruleName: 'Door open',
  detectorName: 'door',
  verb: 'CHANGED_TO',
  imageQueryId: 'iq_1',
  label: 'YES',
  confidence: 0.9,
  firedAt: '2026-12-02T19:00:00.000Z',
  source: 'line-3-edge',
  message: 'Door open: YES',
});

describe('alert toasts', () => {
  it('shows an alert once, newest first, at most MAX_TOASTS', () => {
    let state = { shown: [] as AlertToast[], seen: new Set<string>() };
    for (let i = 0; i < MAX_TOASTS + 2; i++) state = addToast(state.shown, state.seen, alert(`a${i}`));
    expect(state.shown.map((t) => t.alertId)).toEqual(['a5', 'a4', 'a3', 'a2']);
    // A replayed announcement of an alert already shown (or already pushed out) does not come back.
    const again = addToast(state.shown, state.seen, alert('a0'));
    expect(again.shown.map((t) => t.alertId)).toEqual(['a5', 'a4', 'a3', 'a2']);
  });

  it('dismisses one and keeps it dismissed', () => {
    const first = addToast([], new Set(), alert('a1'));
    const shown = dismissToast(first.shown, 'a1');
    expect(shown).toEqual([]);
    expect(addToast(shown, first.seen, alert('a1')).shown).toEqual([]);
  });

  it('reads verbs as words', () => {
    expect(verbText('CHANGED_TO')).toBe('changed to');
    expect(verbText('SOMETHING_NEW')).toBe('something new');
  });
});
