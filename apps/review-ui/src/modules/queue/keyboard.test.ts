import { describe, expect, it } from 'vitest';
import { resolveKey, shortcutHelp, type KeyContext } from './keyboard';

const binary: KeyContext = { mode: 'BINARY', classes: [], countBuffer: '', helpOpen: false };
const multi: KeyContext = {
  mode: 'MULTI_CLASS',
  classes: ['red', 'green', 'blue'],
  countBuffer: '',
  helpOpen: false,
};
const count: KeyContext = { mode: 'COUNT', classes: [], countBuffer: '', helpOpen: false, maxCount: 50 };
const box: KeyContext = { mode: 'BOUNDING_BOX', classes: [], countBuffer: '', helpOpen: false };

describe('resolveKey', () => {
  it.each([
    ['y', { type: 'label', label: 'YES' }],
    ['Y', { type: 'label', label: 'YES' }],
    ['n', { type: 'label', label: 'NO' }],
    ['u', { type: 'label', label: 'UNCLEAR' }],
    ['s', { type: 'skip' }],
    ['S', { type: 'skip' }],
    ['ArrowDown', { type: 'next' }],
    ['ArrowRight', { type: 'next' }],
    ['ArrowUp', { type: 'prev' }],
    ['ArrowLeft', { type: 'prev' }],
    ['?', { type: 'help' }],
    ['x', { type: 'toggleSelect' }],
    ['e', { type: 'toggleEvidence' }],
    ['E', { type: 'toggleEvidence' }],
    ['Escape', { type: 'clearSelection' }],
    ['1', { type: 'none' }],
    ['q', { type: 'none' }],
  ])('binary: %s', (key, action) => {
    expect(resolveKey({ key }, binary)).toEqual(action);
  });

  it('multiclass: number keys pick classes in order; out of range does nothing', () => {
    expect(resolveKey({ key: '1' }, multi)).toEqual({ type: 'label', label: 'red' });
    expect(resolveKey({ key: '3' }, multi)).toEqual({ type: 'label', label: 'blue' });
    expect(resolveKey({ key: '4' }, multi)).toEqual({ type: 'none' });
    expect(resolveKey({ key: 'y' }, multi)).toEqual({ type: 'none' });
    expect(resolveKey({ key: 'u' }, multi)).toEqual({ type: 'label', label: 'UNCLEAR' });
  });

  it('multiclass: 0 is the tenth class', () => {
    const ten = { ...multi, classes: Array.from({ length: 10 }, (_, i) => `c${i + 1}`) };
    expect(resolveKey({ key: '0' }, ten)).toEqual({ type: 'label', label: 'c10' });
    expect(resolveKey({ key: '0' }, multi)).toEqual({ type: 'none' });
  });

  it('count: digits build a buffer, Enter submits, Backspace deletes, max_count bounds it', () => {
    expect(resolveKey({ key: '4' }, count)).toEqual({ type: 'countBuffer', buffer: '4' });
    expect(resolveKey({ key: '2' }, { ...count, countBuffer: '4' })).toEqual({
      type: 'countBuffer',
      buffer: '42',
    });
    expect(resolveKey({ key: '7' }, { ...count, countBuffer: '42' })).toEqual({ type: 'none' });
    expect(resolveKey({ key: '0' }, { ...count, countBuffer: '0' })).toEqual({
      type: 'countBuffer',
      buffer: '0',
    });
    expect(resolveKey({ key: 'Enter' }, { ...count, countBuffer: '42' })).toEqual({
      type: 'count',
      count: 42,
    });
    expect(resolveKey({ key: 'Enter' }, count)).toEqual({ type: 'none' });
    expect(resolveKey({ key: 'Enter' }, { ...count, countBuffer: '0' })).toEqual({ type: 'count', count: 0 });
    expect(resolveKey({ key: 'Backspace' }, { ...count, countBuffer: '42' })).toEqual({
      type: 'countBuffer',
      buffer: '4',
    });
    expect(resolveKey({ key: 'Escape' }, { ...count, countBuffer: '42' })).toEqual({
      type: 'countBuffer',
      buffer: '',
    });
  });

  it('bounding boxes: Enter submits, Backspace removes the last box', () => {
    expect(resolveKey({ key: 'Enter' }, box)).toEqual({ type: 'submitBoxes' });
    expect(resolveKey({ key: 'Backspace' }, box)).toEqual({ type: 'removeLastBox' });
    expect(resolveKey({ key: '0' }, box)).toEqual({ type: 'zoomReset' });
    expect(resolveKey({ key: 'y' }, box)).toEqual({ type: 'none' });
  });

  it('E toggles the evidence heat map in every mode', () => {
    for (const ctx of [binary, multi, count, box, { ...binary, mode: 'TEXT' as const }]) {
      expect(resolveKey({ key: 'e' }, ctx)).toEqual({ type: 'toggleEvidence' });
    }
    expect(resolveKey({ key: 'e' }, { ...binary, helpOpen: true })).toEqual({ type: 'none' });
  });

  it('leaves text fields and browser shortcuts alone', () => {
    expect(resolveKey({ key: 'y', inEditable: true }, binary)).toEqual({ type: 'none' });
    expect(resolveKey({ key: 'n', ctrlKey: true }, binary)).toEqual({ type: 'none' });
    expect(resolveKey({ key: 'a', metaKey: true }, binary)).toEqual({ type: 'selectAll' });
    expect(resolveKey({ key: 'a', ctrlKey: true, inEditable: true }, binary)).toEqual({ type: 'none' });
  });

  it('while help is open only Esc and ? do something (they close it)', () => {
    const open = { ...binary, helpOpen: true };
    expect(resolveKey({ key: 'y' }, open)).toEqual({ type: 'none' });
    expect(resolveKey({ key: 'Escape' }, open)).toEqual({ type: 'closeHelp' });
    expect(resolveKey({ key: '?' }, open)).toEqual({ type: 'closeHelp' });
  });
});

describe('shortcutHelp', () => {
  it('lists the label keys of the mode first', () => {
    expect(shortcutHelp('BINARY', [])[0]).toEqual({ keys: 'Y', does: 'label YES' });
    expect(shortcutHelp('MULTI_CLASS', ['a', 'b']).slice(0, 2)).toEqual([
      { keys: '1', does: 'label a' },
      { keys: '2', does: 'label b' },
    ]);
    expect(shortcutHelp('COUNT', []).some((s) => s.keys === 'Enter')).toBe(true);
  });
});

describe("counting with the model's count", () => {
  it("Enter with nothing typed submits the model's count; typed digits win", () => {
    const withSuggestion = { ...count, suggestedCount: 3 };
    expect(resolveKey({ key: 'Enter' }, withSuggestion)).toEqual({ type: 'count', count: 3 });
    expect(resolveKey({ key: 'Enter' }, { ...withSuggestion, countBuffer: '12' })).toEqual({
      type: 'count',
      count: 12,
    });
    expect(resolveKey({ key: 'Enter' }, count)).toEqual({ type: 'none' });
    expect(resolveKey({ key: 'Enter' }, { ...count, suggestedCount: 0 })).toEqual({
      type: 'count',
      count: 0,
    });
  });
});
