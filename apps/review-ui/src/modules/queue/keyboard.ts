/**
 * Keyboard-first labelling: a pure mapping from a key press (plus what is on screen) to an action. The page
 * applies actions; this file decides them, so every shortcut is a table test.
 */

export type LabelMode = 'BINARY' | 'COUNT' | 'MULTI_CLASS' | 'TEXT' | 'BOUNDING_BOX';

export type KeyAction =
  | { type: 'label'; label: string }
  | { type: 'count'; count: number }
  | { type: 'countBuffer'; buffer: string }
  | { type: 'submitBoxes' }
  | { type: 'removeLastBox' }
  | { type: 'skip' }
  | { type: 'next' }
  | { type: 'prev' }
  | { type: 'toggleSelect' }
  | { type: 'selectAll' }
  | { type: 'clearSelection' }
  | { type: 'help' }
  | { type: 'closeHelp' }
  | { type: 'zoomIn' }
  | { type: 'zoomOut' }
  | { type: 'zoomReset' }
  | { type: 'toggleEvidence' }
  | { type: 'none' };

export interface KeyInput {
  key: string;
  ctrlKey?: boolean;
  metaKey?: boolean;
  altKey?: boolean;
  /** The key went to a text field (inputs keep their keys). */
  inEditable?: boolean;
}

export interface KeyContext {
  mode: LabelMode;
  /** Class names of a MULTI_CLASS detector, in key order (1 = first). */
  classes: readonly string[];
  /** Digits typed so far for a COUNT detector. */
  countBuffer: string;
  helpOpen: boolean;
  /** Largest count accepted (the detector's max_count), if any. */
  maxCount?: number | null;
  /** COUNT: what Enter submits with nothing typed (the model's count), if any. */
  suggestedCount?: number | null;
}

const NONE: KeyAction = { type: 'none' };

export function resolveKey(input: KeyInput, ctx: KeyContext): KeyAction {
  if (input.inEditable || input.ctrlKey || input.metaKey || input.altKey) {
    // Ctrl/Cmd+A selects the whole queue; everything else with a modifier belongs to the browser.
    if (!input.inEditable && (input.ctrlKey || input.metaKey) && input.key.toLowerCase() === 'a') {
      return { type: 'selectAll' };
    }
    return NONE;
  }
  const key = input.key;
  if (ctx.helpOpen) return key === 'Escape' || key === '?' ? { type: 'closeHelp' } : NONE;

  switch (key) {
    case '?':
      return { type: 'help' };
    case 'ArrowDown':
    case 'ArrowRight':
    case 'j':
      return { type: 'next' };
    case 'ArrowUp':
    case 'ArrowLeft':
    case 'k':
      return { type: 'prev' };
    case 'x':
      return { type: 'toggleSelect' };
    case 'Escape':
      return ctx.mode === 'COUNT' && ctx.countBuffer
        ? { type: 'countBuffer', buffer: '' }
        : { type: 'clearSelection' };
    case '+':
    case '=':
      return { type: 'zoomIn' };
    case '-':
      return { type: 'zoomOut' };
    case '0':
      if (ctx.mode !== 'COUNT' && ctx.mode !== 'MULTI_CLASS') return { type: 'zoomReset' };
      break;
    case 's':
    case 'S':
      return { type: 'skip' };
    case 'e':
    case 'E':
      return { type: 'toggleEvidence' };
    default:
      break;
  }

  switch (ctx.mode) {
    case 'BINARY':
      return binaryKey(key);
    case 'MULTI_CLASS':
      return multiClassKey(key, ctx.classes);
    case 'COUNT':
      return countKey(key, ctx.countBuffer, ctx.maxCount ?? null, ctx.suggestedCount ?? null);
    case 'BOUNDING_BOX':
      return boxKey(key);
    case 'TEXT':
      return key.toLowerCase() === 'u' ? { type: 'label', label: 'UNCLEAR' } : NONE;
  }
}

function binaryKey(key: string): KeyAction {
  switch (key.toLowerCase()) {
    case 'y':
      return { type: 'label', label: 'YES' };
    case 'n':
      return { type: 'label', label: 'NO' };
    case 'u':
      return { type: 'label', label: 'UNCLEAR' };
    default:
      return NONE;
  }
}

function multiClassKey(key: string, classes: readonly string[]): KeyAction {
  if (/^[1-9]$/.test(key)) {
    const cls = classes[Number(key) - 1];
    return cls === undefined ? NONE : { type: 'label', label: cls };
  }
  if (key === '0' && classes.length >= 10) {
    const cls = classes[9];
    return cls === undefined ? NONE : { type: 'label', label: cls };
  }
  return key.toLowerCase() === 'u' ? { type: 'label', label: 'UNCLEAR' } : NONE;
}

function countKey(key: string, buffer: string, maxCount: number | null, suggested: number | null): KeyAction {
  if (/^[0-9]$/.test(key)) {
    const next = (buffer + key).replace(/^0+(?=\d)/, '');
    if (next.length > 6) return NONE;
    if (maxCount !== null && Number(next) > maxCount) return NONE;
    return { type: 'countBuffer', buffer: next };
  }
  if (key === 'Backspace') return buffer ? { type: 'countBuffer', buffer: buffer.slice(0, -1) } : NONE;
  if (key === 'Enter') {
    if (buffer) return { type: 'count', count: Number(buffer) };
    return suggested === null ? NONE : { type: 'count', count: suggested };
  }
  return key.toLowerCase() === 'u' ? { type: 'label', label: 'UNCLEAR' } : NONE;
}

function boxKey(key: string): KeyAction {
  switch (key) {
    case 'Enter':
      return { type: 'submitBoxes' };
    case 'Backspace':
    case 'Delete':
      return { type: 'removeLastBox' };
    default:
      return key.toLowerCase() === 'u' ? { type: 'label', label: 'UNCLEAR' } : NONE;
  }
}

/** The shortcuts shown in the help overlay for `mode`. */
export function shortcutHelp(mode: LabelMode, classes: readonly string[]): { keys: string; does: string }[] {
  const common = [
    { keys: '↓ / → / j', does: 'next item' },
    { keys: '↑ / ← / k', does: 'previous item' },
    { keys: 'S', does: 'skip (leaves the queue)' },
    { keys: 'x', does: 'add to / remove from the selection' },
    { keys: 'Ctrl+A', does: 'select the whole queue' },
    { keys: 'Esc', does: 'clear the selection' },
    { keys: '+ / −', does: 'zoom in / out (or wheel, pinch)' },
    { keys: 'E', does: 'show / hide the evidence heat map' },
    { keys: '?', does: 'this help' },
  ];
  switch (mode) {
    case 'BINARY':
      return [
        { keys: 'Y', does: 'label YES' },
        { keys: 'N', does: 'label NO' },
        { keys: 'U', does: 'label UNCLEAR' },
        ...common,
      ];
    case 'MULTI_CLASS':
      return [
        ...classes.slice(0, 10).map((c, i) => ({ keys: String((i + 1) % 10), does: `label ${c}` })),
        { keys: 'U', does: 'label UNCLEAR' },
        ...common,
      ];
    case 'COUNT':
      return [
        { keys: '0–9', does: 'type the count' },
        { keys: 'Enter', does: "submit the count (nothing typed: the model's count)" },
        { keys: 'Backspace', does: 'delete a digit' },
        { keys: 'U', does: 'label UNCLEAR' },
        ...common,
      ];
    case 'BOUNDING_BOX':
      return [
        { keys: 'drag', does: 'draw a box on the image' },
        { keys: 'Enter', does: 'submit the boxes (none = NO_OBJECTS)' },
        { keys: 'Backspace', does: 'remove the last box' },
        { keys: 'U', does: 'label UNCLEAR' },
        ...common,
      ];
    case 'TEXT':
      return [{ keys: 'U', does: 'label UNCLEAR' }, ...common];
  }
}
