/**
 * The class order of a detector's primary model and the label ↔ class index maps, written once for the edge
 * (answers from a class index), learning (trains on labels) and the cloud (normalises human labels).
 * BINARY 0 → YES, 1 → NO; MULTI_CLASS follows `mode_configuration.class_names`; COUNT has classes 0…max_count
 * and GREATER_THAN_MAX last. Labels that carry no class (UNCLEAR, unknown values) map to null.
 */
import type { BinaryLabel, DetectorMode } from './enums';

export const BINARY_CLASS_NAMES = ['YES', 'NO'] as const;

/** Binary answers as humans and models spell them (upper-cased before lookup). */
export const BINARY_LABEL_ALIASES: Readonly<Record<string, BinaryLabel>> = {
  YES: 'YES',
  PASS: 'YES',
  NO: 'NO',
  FAIL: 'NO',
  UNCLEAR: 'UNCLEAR',
  NEEDS_REVIEW: 'UNCLEAR',
  __UNSURE: 'UNCLEAR',
};

/** YES/NO/UNCLEAR for a binary label in any spelling above, any case; null otherwise. */
export function normaliseBinaryLabel(label: string): BinaryLabel | null {
  return BINARY_LABEL_ALIASES[label.trim().toUpperCase()] ?? null;
}

/** Groundlight's default when a COUNT detector does not say. */
export const DEFAULT_MAX_COUNT = 10;
export const GREATER_THAN_MAX = 'GREATER_THAN_MAX';

/** Class names of a COUNT model: "0" … "max", then GREATER_THAN_MAX. */
export function countClassNames(maxCount: number): string[] {
  return [...Array.from({ length: maxCount + 1 }, (_, i) => String(i)), GREATER_THAN_MAX];
}

/** `mode_configuration.class_names` when it is a list of strings. */
export function classNamesOf(
  modeConfiguration: Record<string, unknown> | null | undefined,
): string[] | undefined {
  const names = modeConfiguration?.['class_names'];
  return Array.isArray(names) && names.every((n) => typeof n === 'string') ? names : undefined;
}

/** `mode_configuration.max_count` when it is a number. */
export function maxCountOf(
  modeConfiguration: Record<string, unknown> | null | undefined,
): number | undefined {
  const max = modeConfiguration?.['max_count'];
  return typeof max === 'number' ? max : undefined;
}

/** `mode_configuration.class_name` (COUNT, BOUNDING_BOX) when it is a non-empty string. */
export function classNameOf(
  modeConfiguration: Record<string, unknown> | null | undefined,
): string | undefined {
  const name = modeConfiguration?.['class_name'];
  return typeof name === 'string' && name.trim() !== '' ? name : undefined;
}

/** Groundlight's default when a BOUNDING_BOX detector does not say. */
export const DEFAULT_MAX_NUM_BBOXES = 10;

/** `mode_configuration.max_num_bboxes` when it is a number. */
export function maxNumBboxesOf(
  modeConfiguration: Record<string, unknown> | null | undefined,
): number | undefined {
  const max = modeConfiguration?.['max_num_bboxes'];
  return typeof max === 'number' ? max : undefined;
}

/** `mode_configuration.value_max_length` (TEXT) when it is a number. */
export function valueMaxLengthOf(
  modeConfiguration: Record<string, unknown> | null | undefined,
): number | undefined {
  const max = modeConfiguration?.['value_max_length'];
  return typeof max === 'number' ? max : undefined;
}

export interface ClassLayout {
  mode: DetectorMode;
  classNames: string[];
  /** Class index of a human label, or null when the label says nothing about the class (UNCLEAR…). */
  indexOf(label: string): number | null;
  /** The label of a class index, or null outside the layout. */
  labelOf(index: number): string | null;
}

export class UnsupportedModeError extends Error {
  override readonly name = 'UnsupportedModeError';
  constructor(readonly mode: DetectorMode) {
    super(`${mode} detectors are not trained by the learning loop (no classification head for them yet)`);
  }
}

function fromNames(mode: DetectorMode, classNames: string[], lookup?: (label: string) => number | null) {
  const index = new Map(classNames.map((n, i) => [n, i] as const));
  return {
    mode,
    classNames,
    indexOf: (label: string) => index.get(label.trim()) ?? lookup?.(label) ?? null,
    labelOf: (i: number) => (Number.isInteger(i) ? (classNames[i] ?? null) : null),
  };
}

/** The layout of a trainable detector; RangeError for a configuration that cannot have one. */
export function classLayout(
  mode: DetectorMode,
  modeConfiguration: Record<string, unknown> | null | undefined,
): ClassLayout {
  switch (mode) {
    case 'BINARY':
      return fromNames(mode, [...BINARY_CLASS_NAMES], (label) => {
        const b = normaliseBinaryLabel(label);
        return b === 'YES' ? 0 : b === 'NO' ? 1 : null;
      });
    case 'MULTI_CLASS': {
      const names = classNamesOf(modeConfiguration);
      if (!names || names.length < 2)
        throw new RangeError('MULTI_CLASS detector needs mode_configuration.class_names with ≥ 2 names');
      if (new Set(names).size !== names.length) throw new RangeError('class_names must be unique');
      return fromNames(mode, [...names]);
    }
    case 'COUNT': {
      const raw = modeConfiguration?.['max_count'];
      const max = raw === undefined || raw === null ? DEFAULT_MAX_COUNT : raw;
      if (typeof max !== 'number' || !Number.isInteger(max) || max < 1)
        throw new RangeError(`COUNT max_count must be an integer ≥ 1, got ${String(raw)}`);
      // A count label above max_count is the top class as well.
      return fromNames(mode, countClassNames(max), (label) => {
        const n = Number(label.trim());
        return Number.isInteger(n) && n > max ? max + 1 : null;
      });
    }
    case 'BOUNDING_BOX':
    case 'TEXT':
      throw new UnsupportedModeError(mode);
  }
}

/**
 * The class index to map onto the detector from a model's answer: the model's class name wins when it names a
 * class the detector knows (a model trained with another class order must not flip YES and NO); otherwise
 * the index.
 */
export function modelClassIndex(args: {
  index: number;
  name: string | null;
  mode: DetectorMode;
  modeConfiguration: Record<string, unknown> | null | undefined;
}): number {
  const { index, name, mode, modeConfiguration } = args;
  if (name === null) return index;
  if (mode === 'BINARY') {
    const b = normaliseBinaryLabel(name);
    if (b === 'YES') return 0;
    if (b === 'NO') return 1;
  }
  if (mode === 'MULTI_CLASS') {
    const i = classNamesOf(modeConfiguration)?.indexOf(name) ?? -1;
    if (i >= 0) return i;
  }
  return index;
}
