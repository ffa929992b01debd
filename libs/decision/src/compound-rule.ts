/**
 * A compound detector's answer: its rule (libs/schema compound-rule.ts) evaluated over the sub-answers of the
 * detectors it names, all about the same image. Pure; docs/DECISION.md "Compound detectors" states the rules
 * and `compound-rule.test.ts` checks them table by table.
 *
 * - **Three-valued** (Kleene): a part whose detector has no answer (no model, inference down, a zone the
 *   camera does not define) is unknown; `all` is false as soon as one part is false, `any` true as soon as one
 *   is true, otherwise an unknown part leaves the result unknown (and the edge cannot answer).
 * - **Confidence** (min / max, in the confidence of the value found): `all` true → the least confident part;
 *   `all` false → the most confident false part; `any` mirrors it; `not` keeps its part's confidence. Parts
 *   answered about the same image are not independent, so product / noisy-or would overstate certainty;
 *   min / max never claims more than the part the answer rests on.
 * - **A part that matters** is one whose flip alone would flip the result. When such a part is below its own
 *   detector's threshold, the compound's confidence is capped at `threshold × (part confidence / part
 *   threshold)`: below the compound's threshold in the same proportion as the part is below its own, so the
 *   ordinary decision (`decide`) escalates it. Unsure parts that do not matter do not make the answer unsure.
 */
import type {
  CompoundLeaf,
  CompoundRule,
  DetectorMode,
  ExplanationStep,
  Roi,
  Zone,
} from '@intellioptics/schema';
import { leafKind } from '@intellioptics/schema';
import { fmt } from './explain-decision';
import type { InferenceOutcome } from './types';

/** One referenced detector's answer about the image, as the rule reads it. */
export type SubAnswer = {
  detectorId: string;
  /** For the trace. */
  name?: string | undefined;
  threshold: number;
} & (
  | {
      status: 'ok';
      mode: DetectorMode;
      /** BINARY: YES / NO; other modes: the model's label (for the trace). */
      label: string | null;
      /** COUNT: the count (capped at max_count; `greaterThanMax` says it was). */
      count?: number | null | undefined;
      greaterThanMax?: boolean | undefined;
      /** OODD-adjusted confidence in the answer, 0..1. */
      confidence: number;
      /** Normalised boxes (COUNT / BOUNDING_BOX), best first. */
      boxes: readonly Roi[];
    }
  /** No answer: no model installed, inference down, or the answer did not fit the detector. */
  | { status: 'unavailable'; detail: string }
);

export interface LeafResult {
  /** Where the leaf sits in the rule (`rule.all[1]`). */
  path: string;
  leaf: CompoundLeaf;
  /** null: unknown. */
  value: boolean | null;
  /** Confidence in `value` (0 when unknown). */
  confidence: number;
  /** The part's own threshold (the stricter of two detectors for near / overlaps). */
  threshold: number;
  /** Known and at or above its threshold. */
  sure: boolean;
  /** Flipping this leaf alone flips the compound's value. */
  matters: boolean;
  /** One phrase: what the leaf tested and found. */
  text: string;
}

export interface CompoundEvaluation {
  /** null: the rule cannot be decided (a part it needs is unknown). */
  value: boolean | null;
  /** min / max combination of the parts' confidences; 0 when unknown. */
  combinedConfidence: number;
  /** What the decision uses: the combined confidence, capped when an unsure part matters. */
  confidence: number;
  leaves: LeafResult[];
  /** Parts that matter and are below their threshold (they make the answer unsure). */
  unsureThatMatter: LeafResult[];
}

/** Evaluates `rule` over `answers` (keyed by detector id); `zones`: the camera's zones, by name. */
export function evaluateCompoundRule(args: {
  rule: CompoundRule;
  answers: ReadonlyMap<string, SubAnswer>;
  zones?: readonly Zone[] | undefined;
  /** Per-object questions (`label` leaves with `on`): one answer per box of `on`, keyed by `cropKey`. */
  crops?: ReadonlyMap<string, readonly SubAnswer[]> | undefined;
  /** The compound detector's effective threshold. */
  threshold: number;
}): CompoundEvaluation {
  const leaves: LeafResult[] = [];
  const crops = args.crops ?? new Map<string, readonly SubAnswer[]>();
  collectLeaves(args.rule, 'rule', (leaf, path) =>
    leaves.push(evaluateLeaf(leaf, path, args.answers, args.zones ?? [], crops)),
  );
  const values = leaves.map((l) => l.value);
  const root = combine(args.rule, leaves, values);
  for (const [i, leaf] of leaves.entries()) {
    if (leaf.value === null || root.value === null) continue;
    const flipped = [...values];
    flipped[i] = !leaf.value;
    leaf.matters = combine(args.rule, leaves, flipped).value !== root.value;
  }
  const unsureThatMatter = leaves.filter((l) => l.matters && !l.sure);
  let confidence = root.value === null ? 0 : root.confidence;
  for (const part of unsureThatMatter) {
    if (part.threshold > 0)
      confidence = Math.min(confidence, args.threshold * (part.confidence / part.threshold));
  }
  return {
    value: root.value,
    combinedConfidence: root.value === null ? 0 : root.confidence,
    confidence,
    leaves,
    unsureThatMatter,
  };
}

/** The decision's input for a compound detector (mode BINARY); unknown → no answer (the edge escalates or refuses). */
export function compoundInferenceOutcome(evaluation: CompoundEvaluation): InferenceOutcome {
  if (evaluation.value === null) {
    const missing = evaluation.leaves.filter((l) => l.value === null).map((l) => l.text);
    return { status: 'no_model', detail: `The rule cannot be decided: ${missing.join('; ')}.` };
  }
  return { status: 'ok', mode: 'BINARY', primaryConfidence: evaluation.confidence, numClasses: 2 };
}

/** The compound's label: YES when the rule holds. */
export function compoundLabel(evaluation: CompoundEvaluation): 'YES' | 'NO' | null {
  return evaluation.value === null ? null : evaluation.value ? 'YES' : 'NO';
}

/**
 * The trace (explanation steps of kind `rule`): one per sub-answer, in the order the rule names the
 * detectors, then one for the rule's evaluation.
 */
export function compoundSteps(
  evaluation: CompoundEvaluation,
  answers: readonly SubAnswer[],
  /** Per-object questions' crop answers (keyed by `cropKey`): one step each, after the sub-answers. */
  crops?: ReadonlyMap<string, readonly SubAnswer[]>,
): ExplanationStep[] {
  const cropped = [...(crops ?? new Map<string, readonly SubAnswer[]>())].flatMap(([key, list]) =>
    list.map((a, i) => ({ a, on: ` on box ${i + 1} of ${key.split('@')[1] ?? ''}` })),
  );
  const steps = [...answers.map((a) => ({ a, on: '' })), ...cropped].map(({ a, on }): ExplanationStep => {
    const who = `${a.name ? `${a.detectorId} "${a.name}"` : a.detectorId}${on}`;
    if (a.status === 'unavailable') {
      return {
        kind: 'rule',
        text: `Sub-answer of ${who}: none (${a.detail}).`,
        data: { detector_id: a.detectorId, available: false, threshold: a.threshold },
      };
    }
    const what =
      a.mode === 'COUNT' && a.count != null
        ? `count ${a.count}${a.greaterThanMax ? '+' : ''}`
        : a.label !== null
          ? `"${a.label}"`
          : a.mode;
    const boxes = a.boxes.length > 0 ? `, ${a.boxes.length} box${a.boxes.length === 1 ? '' : 'es'}` : '';
    return {
      kind: 'rule',
      text: `Sub-answer of ${who}: ${what} with confidence ${fmt(a.confidence)} (threshold ${fmt(a.threshold)}${boxes}).`,
      data: {
        detector_id: a.detectorId,
        available: true,
        mode: a.mode,
        label: a.label,
        count: a.count ?? null,
        confidence: a.confidence,
        threshold: a.threshold,
        sure: a.confidence >= a.threshold,
        boxes: a.boxes.length,
      },
    };
  });
  const parts = evaluation.leaves.map(
    (l) =>
      `${l.path} ${l.text}: ${l.value === null ? 'unknown' : String(l.value)}${l.value === null ? '' : ` (${fmt(l.confidence)}${l.sure ? '' : ', unsure'}${l.matters ? ', matters' : ''})`}`,
  );
  const result =
    evaluation.value === null
      ? 'cannot be decided (a part it needs has no answer)'
      : `${compoundLabel(evaluation)} with confidence ${fmt(evaluation.combinedConfidence)} (min over all, max over any)`;
  const capped =
    evaluation.unsureThatMatter.length > 0
      ? `; unsure parts that matter (${evaluation.unsureThatMatter.map((l) => l.path).join(', ')}) cap it at ${fmt(evaluation.confidence)}`
      : '';
  steps.push({
    kind: 'rule',
    text: `The rule is ${result}${capped}. Parts: ${parts.join('; ')}.`,
    data: {
      value: evaluation.value === null ? null : compoundLabel(evaluation),
      combined_confidence: evaluation.combinedConfidence,
      confidence: evaluation.confidence,
      parts: evaluation.leaves.length,
      unknown_parts: evaluation.leaves.filter((l) => l.value === null).length,
      unsure_parts_that_matter: evaluation.unsureThatMatter.length,
    },
  });
  return steps;
}

/**
 * The parts' labels a reviewer's label on the compound implies (for training them): `all` YES → every `all`
 * part holds; `any` NO → no part holds; through `not` the implication flips. Only label leaves (BINARY) give
 * a label; a count or spatial leaf says too little about the exact answer. Conflicting implications drop out.
 */
export function impliedPartLabels(rule: CompoundRule, label: 'YES' | 'NO'): Map<string, 'YES' | 'NO'> {
  const out = new Map<string, 'YES' | 'NO' | 'CONFLICT'>();
  const walk = (e: CompoundRule, holds: boolean): void => {
    if ('all' in e) {
      if (holds) e.all.forEach((c) => walk(c, true));
      else if (e.all.length === 1) walk(e.all[0]!, false);
    } else if ('any' in e) {
      if (!holds) e.any.forEach((c) => walk(c, false));
      else if (e.any.length === 1) walk(e.any[0]!, true);
    } else if ('not' in e) walk(e.not, !holds);
    else if ('label' in e) {
      const implied = holds === (e.label === 'YES') ? 'YES' : 'NO';
      const seen = out.get(e.detector);
      out.set(e.detector, seen === undefined || seen === implied ? implied : 'CONFLICT');
    }
  };
  walk(rule, label === 'YES');
  return new Map([...out].filter((kv): kv is [string, 'YES' | 'NO'] => kv[1] !== 'CONFLICT'));
}

// ───────────────────────────── evaluation ─────────────────────────────

function collectLeaves(
  e: CompoundRule,
  path: string,
  visit: (leaf: CompoundLeaf, path: string) => void,
): void {
  if ('all' in e) e.all.forEach((c, i) => collectLeaves(c, `${path}.all[${i}]`, visit));
  else if ('any' in e) e.any.forEach((c, i) => collectLeaves(c, `${path}.any[${i}]`, visit));
  else if ('not' in e) collectLeaves(e.not, `${path}.not`, visit);
  else visit(e, path);
}

interface Node {
  value: boolean | null;
  confidence: number;
}

/** The rule's value over the leaves' values (in `collectLeaves` order), with the min / max confidence. */
function combine(
  rule: CompoundRule,
  leaves: readonly LeafResult[],
  values: readonly (boolean | null)[],
): Node {
  let next = 0;
  const walk = (e: CompoundRule): Node => {
    if ('not' in e) {
      const inner = walk(e.not);
      return { value: inner.value === null ? null : !inner.value, confidence: inner.confidence };
    }
    if ('all' in e || 'any' in e) {
      const isAll = 'all' in e;
      const children = (isAll ? e.all : e.any).map(walk);
      // `decisive`: the value that settles the operator (false for all, true for any).
      const decisive = !isAll;
      const settling = children.filter((c) => c.value === decisive);
      if (settling.length > 0)
        return { value: decisive, confidence: Math.max(...settling.map((c) => c.confidence)) };
      if (children.some((c) => c.value === null)) return { value: null, confidence: 0 };
      return { value: !decisive, confidence: Math.min(...children.map((c) => c.confidence)) };
    }
    const i = next++;
    return { value: values[i] ?? null, confidence: leaves[i]!.confidence };
  };
  return walk(rule);
}

/** The key of a per-object question's crop answers: the asked detector on the boxes of `on`. */
export function cropKey(detector: string, on: string): string {
  return `${detector}@${on}`;
}

function evaluateLeaf(
  leaf: CompoundLeaf,
  path: string,
  answers: ReadonlyMap<string, SubAnswer>,
  zones: readonly Zone[],
  crops: ReadonlyMap<string, readonly SubAnswer[]>,
): LeafResult {
  const base = { path, leaf, matters: false };
  // A per-object question is asked on crops only, not on the whole image.
  if ('label' in leaf && leaf.on !== undefined) {
    return perObject(leaf.detector, leaf.label, leaf.on, answers, crops, base);
  }
  const a = answers.get(leaf.detector);
  const unknown = (text: string, threshold = a?.threshold ?? 1): LeafResult => ({
    ...base,
    value: null,
    confidence: 0,
    threshold,
    sure: false,
    text,
  });
  if (a === undefined) return unknown(`${leaf.detector} was not asked`);
  if (a.status === 'unavailable') return unknown(`${leaf.detector} has no answer`);
  const known = (value: boolean, confidence: number, threshold: number, text: string): LeafResult => ({
    ...base,
    value,
    confidence,
    threshold,
    sure: confidence >= threshold,
    text,
  });
  const kind = leafKind(leaf);
  switch (kind) {
    case 'label': {
      const { label } = leaf as Extract<CompoundLeaf, { label: unknown }>;
      if (a.mode !== 'BINARY' || (a.label !== 'YES' && a.label !== 'NO')) {
        return unknown(`${leaf.detector} = ${label} (the detector answers ${a.mode}, not YES/NO)`);
      }
      return known(
        a.label === label,
        a.confidence,
        a.threshold,
        `${leaf.detector} = ${label} (answered ${a.label})`,
      );
    }
    case 'count': {
      const { count } = leaf as Extract<CompoundLeaf, { count: unknown }>;
      const bounds = [
        count.gte !== undefined ? `≥ ${count.gte}` : null,
        count.lte !== undefined ? `≤ ${count.lte}` : null,
      ]
        .filter(Boolean)
        .join(' and ');
      if (a.count === undefined || a.count === null) {
        return unknown(`count of ${leaf.detector} ${bounds} (the detector answers ${a.mode}, no count)`);
      }
      const n = a.count;
      const value =
        (count.gte === undefined || n >= count.gte) &&
        (count.lte === undefined || (n <= count.lte && !a.greaterThanMax));
      return known(
        value,
        a.confidence,
        a.threshold,
        `count of ${leaf.detector} ${bounds} (counted ${n}${a.greaterThanMax ? '+' : ''})`,
      );
    }
    case 'inside': {
      const { inside } = leaf as Extract<CompoundLeaf, { inside: unknown }>;
      const zone = zones.find((z) => z.name === inside);
      if (!zone) return unknown(`${leaf.detector} inside "${inside}" (the camera has no zone "${inside}")`);
      if (!hasBoxes(a)) return unknown(`${leaf.detector} inside "${inside}" (the detector gives no boxes)`);
      const hits = a.boxes.filter((b) => inZone(centre(b), zone)).length;
      return known(
        hits > 0,
        a.confidence,
        a.threshold,
        `${leaf.detector} inside "${inside}" (${hits} of ${a.boxes.length} boxes)`,
      );
    }
    case 'near':
    case 'overlaps': {
      const ref =
        kind === 'near'
          ? (leaf as Extract<CompoundLeaf, { near: unknown }>).near
          : (leaf as Extract<CompoundLeaf, { overlaps: unknown }>).overlaps;
      const b = answers.get(ref.detector);
      const what =
        kind === 'near'
          ? `${leaf.detector} near ${ref.detector} within ${'within' in ref ? ref.within : ''}`
          : `${leaf.detector} overlaps ${ref.detector} with IoU ≥ ${'iou' in ref ? ref.iou : ''}`;
      if (b === undefined || b.status === 'unavailable')
        return unknown(`${what} (${ref.detector} has no answer)`);
      if (!hasBoxes(a) || !hasBoxes(b)) return unknown(`${what} (a detector gives no boxes)`);
      const test =
        'within' in ref
          ? (p: Roi, q: Roi) => distance(centre(p), centre(q)) <= ref.within
          : (p: Roi, q: Roi) => iou(p, q) >= (ref as { iou: number }).iou;
      const hit = a.boxes.some((p) => b.boxes.some((q) => test(p, q)));
      // Both detectors' answers must hold: the part is as sure as the less sure of the two.
      const useA = a.confidence / Math.max(a.threshold, 1e-9) <= b.confidence / Math.max(b.threshold, 1e-9);
      const [conf, thr] = useA ? [a.confidence, a.threshold] : [b.confidence, b.threshold];
      return known(hit, conf, thr, `${what} (${hit ? 'found' : 'no such pair'})`);
    }
  }
}

/**
 * `{detector, label, on}`: every crop of `on`'s boxes answers `label` (Kleene over the crops: one crop the
 * other way → false; otherwise a crop without an answer → unknown). No box → true, as sure as `on`'s answer.
 * True: the least confident crop; false: the most confident crop the other way.
 */
function perObject(
  detector: string,
  label: 'YES' | 'NO',
  on: string,
  answers: ReadonlyMap<string, SubAnswer>,
  crops: ReadonlyMap<string, readonly SubAnswer[]>,
  base: Pick<LeafResult, 'path' | 'leaf' | 'matters'>,
): LeafResult {
  const what = `${detector} = ${label} on every box of ${on}`;
  const boxes = answers.get(on);
  const result = (
    value: boolean | null,
    confidence: number,
    threshold: number,
    found: string,
  ): LeafResult => ({
    ...base,
    value,
    confidence: value === null ? 0 : confidence,
    threshold,
    sure: value !== null && confidence >= threshold,
    text: `${what} (${found})`,
  });
  if (boxes === undefined || boxes.status === 'unavailable') return result(null, 0, 1, `${on} has no answer`);
  if (boxes.boxes.length === 0) return result(true, boxes.confidence, boxes.threshold, 'no box');
  const asked = crops.get(cropKey(detector, on)) ?? [];
  const known = asked.flatMap((c) =>
    c.status === 'ok' && c.mode === 'BINARY' && (c.label === 'YES' || c.label === 'NO') ? [c] : [],
  );
  const threshold = asked[0]?.threshold ?? 1;
  const other = known.filter((c) => c.label !== label);
  const n = boxes.boxes.length;
  if (other.length > 0) {
    const conf = Math.max(...other.map((c) => c.confidence));
    return result(false, conf, threshold, `${other.length} of ${n} crops answered otherwise`);
  }
  if (known.length < n) return result(null, 0, threshold, `${n - known.length} of ${n} crops have no answer`);
  return result(true, Math.min(...known.map((c) => c.confidence)), threshold, `all ${n} crops`);
}

function hasBoxes(a: Extract<SubAnswer, { status: 'ok' }>): boolean {
  return a.mode === 'COUNT' || a.mode === 'BOUNDING_BOX' || a.boxes.length > 0;
}

type Point = [number, number];

function centre(r: Roi): Point {
  const g = r.geometry;
  return [(g.left + g.right) / 2, (g.top + g.bottom) / 2];
}

function distance(p: Point, q: Point): number {
  return Math.hypot(p[0] - q[0], p[1] - q[1]);
}

function iou(p: Roi, q: Roi): number {
  const a = p.geometry;
  const b = q.geometry;
  const w = Math.max(0, Math.min(a.right, b.right) - Math.max(a.left, b.left));
  const h = Math.max(0, Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top));
  const inter = w * h;
  const union = (a.right - a.left) * (a.bottom - a.top) + (b.right - b.left) * (b.bottom - b.top) - inter;
  return union > 0 ? inter / union : 0;
}

/** Whether a point (fractions of the frame) lies in a zone; polygon by ray casting (edges count as inside). */
export function inZone([x, y]: Point, zone: Zone): boolean {
  if (zone.box) {
    const b = zone.box;
    return x >= b.x && x <= b.x + b.width && y >= b.y && y <= b.y + b.height;
  }
  const poly = zone.polygon ?? [];
  let inside = false;
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
    const [xi, yi] = poly[i]!;
    const [xj, yj] = poly[j]!;
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}
