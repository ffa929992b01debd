/**
 * Stable, stratified held-out split keyed by image id. An image's side depends only on a hash of its id, so
 * across retrains an image that trained an earlier version never lands in a later held-out set (apart from
 * the per-class guards below). That is what makes "not worse than the current version on the SAME held-out
 * set" a fair comparison: the current version has not seen those images either.
 *
 * Per class: images whose hash is below `fraction` are held out; a class with ≥ 2 images keeps at least one
 * on each side (the smallest hash is held out, the largest trains). Because new images only add to the set,
 * an existing training image can only become held out through the "keep one training image" guard of a class
 * whose every image hashed below `fraction` — rare, and only while a class has a handful of labels.
 */
import { createHash } from 'node:crypto';

export interface HeldOutSplit {
  /** Indices into the input, ascending. */
  train: number[];
  heldOut: number[];
}

/** Uniform number in [0,1) from an id (sha256, first 48 bits). */
export function idHash(id: string, salt = 'held-out-v1'): number {
  const hex = createHash('sha256').update(`${salt}:${id}`).digest('hex').slice(0, 12);
  return parseInt(hex, 16) / 2 ** 48;
}

export function heldOutSplit(
  examples: readonly { id: string; classIndex: number }[],
  fraction = 0.25,
  salt?: string,
): HeldOutSplit {
  if (!(fraction > 0 && fraction < 1)) throw new RangeError('fraction must be in (0,1)');
  const byClass = new Map<number, { i: number; h: number }[]>();
  const seen = new Set<string>();
  examples.forEach((e, i) => {
    if (seen.has(e.id)) throw new RangeError(`duplicate example id ${e.id}`);
    seen.add(e.id);
    const list = byClass.get(e.classIndex) ?? [];
    list.push({ i, h: idHash(e.id, salt) });
    byClass.set(e.classIndex, list);
  });
  const train: number[] = [];
  const heldOut: number[] = [];
  for (const list of byClass.values()) {
    list.sort((a, b) => a.h - b.h);
    const held = list.map((x) => x.h < fraction);
    if (list.length >= 2) {
      held[0] = true;
      held[list.length - 1] = false;
    } else held.fill(false);
    list.forEach((x, k) => (held[k] ? heldOut : train).push(x.i));
  }
  return { train: train.sort((a, b) => a - b), heldOut: heldOut.sort((a, b) => a - b) };
}
