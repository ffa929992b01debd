/**
 * The primary model's output classes for a detector, in output order, and the map from a human label (wire
 * value) to a class index. The order is the edge's contract (libs/decision label-mapping): BINARY 0 → YES,
 * 1 → NO; MULTI_CLASS follows `mode_configuration.class_names`; COUNT has classes 0…max_count and
 * GREATER_THAN_MAX last. Labels that carry no class (UNCLEAR, unknown values) map to null and are not trained on.
 */
import type { DetectorMode } from '@intellioptics/schema';

/** Groundlight's default when a COUNT detector does not say. */
export const DEFAULT_MAX_COUNT = 10;
export const GREATER_THAN_MAX = 'GREATER_THAN_MAX';

export interface ClassLayout {
  mode: DetectorMode;
  classNames: string[];
  /** Class index of a human label, or null when the label says nothing about the class (UNCLEAR…). */
  indexOf(label: string): number | null;
}

export class UnsupportedModeError extends Error {
  override readonly name = 'UnsupportedModeError';
  constructor(readonly mode: DetectorMode) {
    super(`${mode} detectors are not trained by the learning loop (no classification head for them yet)`);
  }
}

function fromNames(mode: DetectorMode, classNames: string[], aliases: Record<string, number> = {}) {
  const index = new Map(classNames.map((n, i) => [n, i] as const));
  for (const [alias, i] of Object.entries(aliases)) index.set(alias, i);
  return { mode, classNames, indexOf: (label: string) => index.get(label.trim()) ?? null };
}

export function classLayout(
  mode: DetectorMode,
  modeConfiguration: Record<string, unknown> | null | undefined,
): ClassLayout {
  switch (mode) {
    case 'BINARY':
      return fromNames(mode, ['YES', 'NO']);
    case 'MULTI_CLASS': {
      const names = modeConfiguration?.['class_names'];
      if (!Array.isArray(names) || names.length < 2 || !names.every((n) => typeof n === 'string'))
        throw new RangeError('MULTI_CLASS detector needs mode_configuration.class_names with ≥ 2 names');
      if (new Set(names).size !== names.length) throw new RangeError('class_names must be unique');
      return fromNames(mode, [...names]);
    }
    case 'COUNT': {
      const raw = modeConfiguration?.['max_count'];
      const max = raw === undefined || raw === null ? DEFAULT_MAX_COUNT : raw;
      if (typeof max !== 'number' || !Number.isInteger(max) || max < 1)
        throw new RangeError(`COUNT max_count must be an integer ≥ 1, got ${String(raw)}`);
      const names = [...Array.from({ length: max + 1 }, (_, i) => String(i)), GREATER_THAN_MAX];
      const layout = fromNames(mode, names);
      return {
        ...layout,
        // A count label above max_count is the top class as well.
        indexOf: (label) => {
          const direct = layout.indexOf(label);
          if (direct !== null) return direct;
          const n = Number(label.trim());
          return Number.isInteger(n) && n > max ? max + 1 : null;
        },
      };
    }
    case 'BOUNDING_BOX':
    case 'TEXT':
      throw new UnsupportedModeError(mode);
  }
}
