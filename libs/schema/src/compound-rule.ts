/**
 * A compound detector's rule: a boolean expression over other detectors' answers about the same image
 * (`POST /device-api/v1/compound-detectors` `{"name", "query", "rule"}`; evaluated by libs/decision
 * `evaluateCompoundRule`, docs/DECISION.md "Compound detectors").
 *
 * - `{"all": [e, …]}`, `{"any": [e, …]}`, `{"not": e}`;
 * - `{"detector": id, "label": "YES" | "NO"}`: a BINARY detector's answer; with `"on": other` it is asked on the
 *   crop of each box of `other` (a COUNT / BOUNDING_BOX detector) and holds when every crop answers `label`;
 * - `{"detector": id, "count": {"gte": n, "lte": m}}`: a COUNT detector's count (either bound or both);
 * - spatial leaves over the boxes of a COUNT / BOUNDING_BOX detector (coordinates normalised to 0..1):
 *   `{"detector": id, "inside": "zone name"}`: some box's centre lies in the named zone of the camera;
 *   `{"detector": id, "near": {"detector": other, "within": d}}`: some box's centre is within distance `d` of
 *   some box centre of `other`;
 *   `{"detector": id, "overlaps": {"detector": other, "iou": t}}`: some pair of boxes has IoU ≥ `t`.
 *
 * Parsed by hand (not a zod union) so an error names the node (`rule.all[1].count`) and says what was
 * expected rather than "no union member matched". Limits keep a rule cheap to evaluate and to show.
 */
import { z } from 'zod';
import { DETECTOR_ID_PATTERN } from './ids';

export const COMPOUND_RULE_LIMITS = {
  /** Nesting depth; a leaf alone is depth 1. */
  maxDepth: 6,
  /** Nodes (operators and leaves). */
  maxNodes: 64,
  /** Distinct detectors named (each is one sub-answer, asked on the same image). */
  maxDetectors: 16,
  /** Children of one `all` / `any`. */
  maxChildren: 16,
} as const;

export type CompoundRule =
  | { all: CompoundRule[] }
  | { any: CompoundRule[] }
  | { not: CompoundRule }
  | LabelLeaf
  | CountLeaf
  | InsideLeaf
  | NearLeaf
  | OverlapsLeaf;

export interface LabelLeaf {
  detector: string;
  label: 'YES' | 'NO';
  /**
   * Per-object question: ask `detector` on the crop of each box of this (COUNT / BOUNDING_BOX) detector
   * ("helmet on this person?"); the leaf holds when every crop answers `label` (no box: it holds).
   */
  on?: string;
}
export interface CountLeaf {
  detector: string;
  count: { gte?: number; lte?: number };
}
export interface InsideLeaf {
  detector: string;
  inside: string;
}
export interface NearLeaf {
  detector: string;
  near: { detector: string; within: number };
}
export interface OverlapsLeaf {
  detector: string;
  overlaps: { detector: string; iou: number };
}
export type CompoundLeaf = LabelLeaf | CountLeaf | InsideLeaf | NearLeaf | OverlapsLeaf;

export const LEAF_KINDS = ['label', 'count', 'inside', 'near', 'overlaps'] as const;
export type LeafKind = (typeof LEAF_KINDS)[number];

export interface CompoundRuleError {
  /** Dotted path from the rule (`rule.all[1].count.gte`). */
  path: string;
  message: string;
}

export type CompoundRuleResult =
  { ok: true; rule: CompoundRule; detectorIds: string[] } | { ok: false; errors: CompoundRuleError[] };

const show = (value: unknown): string => JSON.stringify(value) ?? String(value);
const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const OPERATORS = ['all', 'any', 'not'] as const;

/** The leaf kind of a node (which of `label`, `count`, … it carries); null for an operator. */
export function leafKind(leaf: CompoundLeaf): LeafKind {
  if ('label' in leaf) return 'label';
  if ('count' in leaf) return 'count';
  if ('inside' in leaf) return 'inside';
  if ('near' in leaf) return 'near';
  return 'overlaps';
}

/** The leaves of a (valid) rule, left to right: every question about detectors the rule reads. */
export function ruleLeaves(rule: CompoundRule): CompoundLeaf[] {
  if ('all' in rule) return rule.all.flatMap(ruleLeaves);
  if ('any' in rule) return rule.any.flatMap(ruleLeaves);
  if ('not' in rule) return ruleLeaves(rule.not);
  return [rule];
}

/** The detector ids a (valid) rule names, in first-seen order; spatial leaves name two. */
export function ruleDetectorIds(rule: CompoundRule): string[] {
  const out = new Set<string>();
  for (const e of ruleLeaves(rule)) {
    if ('on' in e && e.on !== undefined) out.add(e.on);
    out.add(e.detector);
    if ('near' in e) out.add(e.near.detector);
    if ('overlaps' in e) out.add(e.overlaps.detector);
  }
  return [...out];
}

/** The zone names a rule uses (`inside` leaves). */
export function ruleZoneNames(rule: CompoundRule): string[] {
  return [...new Set(ruleLeaves(rule).flatMap((e) => ('inside' in e ? [e.inside] : [])))];
}

/** Validates a rule as sent by a client; every error found, each with its path. */
export function parseCompoundRule(raw: unknown, base = 'rule'): CompoundRuleResult {
  const errors: CompoundRuleError[] = [];
  let nodes = 0;
  const fail = (path: string, message: string): null => {
    errors.push({ path, message });
    return null;
  };

  const detectorId = (value: unknown, path: string): string | null =>
    typeof value === 'string' && DETECTOR_ID_PATTERN.test(value)
      ? value
      : fail(path, `must be a detector id ("det_" and 27 letters or digits), got ${show(value)}`);

  const fraction = (value: unknown, path: string, what: string): number | null =>
    typeof value === 'number' && Number.isFinite(value) && value >= 0 && value <= 1
      ? value
      : fail(path, `must be a number between 0 and 1 (${what}), got ${show(value)}`);

  const other = (value: unknown, path: string, key: string, what: string) => {
    if (!isObject(value)) return fail(path, `must be {"detector": id, "${key}": number}, got ${show(value)}`);
    const unknown = Object.keys(value).filter((k) => k !== 'detector' && k !== key);
    if (unknown.length > 0) return fail(path, `unknown key ${show(unknown[0])} (allowed: detector, ${key})`);
    const id = detectorId(value['detector'], `${path}.detector`);
    const n = fraction(value[key], `${path}.${key}`, what);
    return id === null || n === null ? null : { detector: id, n };
  };

  const leaf = (node: Record<string, unknown>, path: string): CompoundLeaf | null => {
    const kinds = LEAF_KINDS.filter((k) => k in node);
    const unknown = Object.keys(node).filter(
      (k) =>
        k !== 'detector' &&
        !(k === 'on' && 'label' in node) &&
        !(LEAF_KINDS as readonly string[]).includes(k),
    );
    if (unknown.length > 0) {
      return fail(
        path,
        `unknown key ${show(unknown[0])} (a leaf is {"detector": id} with one of ${LEAF_KINDS.join(', ')})`,
      );
    }
    if (kinds.length !== 1) {
      return fail(
        path,
        kinds.length === 0
          ? `a leaf needs one of ${LEAF_KINDS.join(', ')} beside "detector"`
          : `a leaf has one test, got ${kinds.join(' and ')}`,
      );
    }
    const id = detectorId(node['detector'], `${path}.detector`);
    const kind = kinds[0]!;
    const value = node[kind];
    const at = `${path}.${kind}`;
    switch (kind) {
      case 'label':
        if (value !== 'YES' && value !== 'NO') return fail(at, `must be "YES" or "NO", got ${show(value)}`);
        if (node['on'] !== undefined) {
          const on = detectorId(node['on'], `${path}.on`);
          if (on !== null && on === id)
            return fail(`${path}.on`, 'must name another detector (whose boxes are cropped)');
          return id === null || on === null ? null : { detector: id, label: value, on };
        }
        return id === null ? null : { detector: id, label: value };
      case 'count': {
        if (!isObject(value)) return fail(at, `must be {"gte": n} and/or {"lte": n}, got ${show(value)}`);
        const extra = Object.keys(value).filter((k) => k !== 'gte' && k !== 'lte');
        if (extra.length > 0) return fail(at, `unknown key ${show(extra[0])} (allowed: gte, lte)`);
        if (value['gte'] === undefined && value['lte'] === undefined)
          return fail(at, 'needs gte, lte or both');
        const bound: { gte?: number; lte?: number } = {};
        for (const k of ['gte', 'lte'] as const) {
          const v = value[k];
          if (v === undefined) continue;
          if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 10_000) {
            fail(`${at}.${k}`, `must be an integer from 0 to 10000, got ${show(v)}`);
          } else bound[k] = v;
        }
        if (bound.gte !== undefined && bound.lte !== undefined && bound.gte > bound.lte) {
          return fail(at, `gte (${bound.gte}) must not exceed lte (${bound.lte}): no count satisfies it`);
        }
        return id === null || Object.keys(bound).length === 0 ? null : { detector: id, count: bound };
      }
      case 'inside':
        if (typeof value !== 'string' || !ZONE_NAME_PATTERN.test(value)) {
          return fail(at, `must be a zone name (${ZONE_NAME_RULE}), got ${show(value)}`);
        }
        return id === null ? null : { detector: id, inside: value };
      case 'near': {
        const o = other(value, at, 'within', 'distance between box centres, in image widths/heights');
        if (o !== null && id !== null && o.detector === id)
          return fail(`${at}.detector`, 'must name another detector');
        return o === null || id === null
          ? null
          : { detector: id, near: { detector: o.detector, within: o.n } };
      }
      case 'overlaps': {
        const o = other(value, at, 'iou', 'intersection over union');
        if (o !== null && id !== null && o.detector === id)
          return fail(`${at}.detector`, 'must name another detector');
        return o === null || id === null
          ? null
          : { detector: id, overlaps: { detector: o.detector, iou: o.n } };
      }
    }
  };

  const expr = (node: unknown, path: string, depth: number): CompoundRule | null => {
    nodes += 1;
    if (depth > COMPOUND_RULE_LIMITS.maxDepth) {
      return fail(path, `nests deeper than ${COMPOUND_RULE_LIMITS.maxDepth} levels`);
    }
    if (!isObject(node)) {
      return fail(
        path,
        `must be an object ({"all": [...]}, {"any": [...]}, {"not": ...} or a leaf), got ${show(node)}`,
      );
    }
    const ops = OPERATORS.filter((k) => k in node);
    if (ops.length === 0) return leaf(node, path);
    const keys = Object.keys(node);
    if (keys.length !== 1) {
      return fail(path, `an operator node has exactly one key, got ${keys.map((k) => show(k)).join(', ')}`);
    }
    const op = ops[0]!;
    const value = node[op];
    if (op === 'not') {
      const inner = expr(value, `${path}.not`, depth + 1);
      return inner === null ? null : { not: inner };
    }
    if (!Array.isArray(value) || value.length === 0) {
      return fail(`${path}.${op}`, `must be a non-empty list of expressions, got ${show(value)}`);
    }
    if (value.length > COMPOUND_RULE_LIMITS.maxChildren) {
      return fail(
        `${path}.${op}`,
        `has ${value.length} expressions (at most ${COMPOUND_RULE_LIMITS.maxChildren})`,
      );
    }
    const children = value.map((child, i) => expr(child, `${path}.${op}[${i}]`, depth + 1));
    if (children.some((c) => c === null)) return null;
    return op === 'all' ? { all: children as CompoundRule[] } : { any: children as CompoundRule[] };
  };

  const rule = expr(raw, base, 1);
  if (nodes > COMPOUND_RULE_LIMITS.maxNodes) {
    fail(base, `has ${nodes} nodes (at most ${COMPOUND_RULE_LIMITS.maxNodes})`);
  }
  if (rule !== null && errors.length === 0) {
    const detectorIds = ruleDetectorIds(rule);
    if (detectorIds.length > COMPOUND_RULE_LIMITS.maxDetectors) {
      fail(base, `names ${detectorIds.length} detectors (at most ${COMPOUND_RULE_LIMITS.maxDetectors})`);
    } else {
      return { ok: true, rule, detectorIds };
    }
  }
  return { ok: false, errors };
}

/** One line per error, for the `detail` of a 400/422. */
export function formatCompoundRuleErrors(errors: readonly CompoundRuleError[]): string {
  return errors.map((e) => `${e.path}: ${e.message}`).join('\n');
}

/** The rule as a zod schema (for bodies and stored values); issues keep the parser's paths and messages. */
export const CompoundRuleSchema: z.ZodType<CompoundRule> = z.unknown().transform((raw, ctx) => {
  const r = parseCompoundRule(raw, 'rule');
  if (r.ok) return r.rule;
  for (const e of r.errors) ctx.addIssue({ code: 'custom', message: `${e.path}: ${e.message}` });
  return z.NEVER;
});

/** `POST /device-api/v1/compound-detectors` body. */
export const CompoundDetectorCreationInputSchema = z.strictObject({
  name: z.string().min(1).max(200),
  query: z.string().min(1).max(300),
  // Optional here so a missing rule gets the service's own message ("rule: is required").
  rule: z.unknown().optional(),
  group_name: z.string().max(100).nullish(),
  confidence_threshold: z.number().min(0).max(1).nullish(),
  patience_time: z.number().min(0).max(3600).nullish(),
  metadata: z.record(z.string(), z.unknown()).nullish(),
});
export type CompoundDetectorCreationInput = z.infer<typeof CompoundDetectorCreationInputSchema>;

// ───────────────────────────── zones ─────────────────────────────

export const ZONE_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9 _.-]{0,63}$/;
export const ZONE_NAME_RULE =
  '1–64 letters, digits, spaces, "_", "." or "-", starting with a letter or digit';

const unit = z.number().min(0).max(1);

/**
 * A named region of a camera's frame (edge-config `streams.<name>.zones`), in fractions of the frame's width
 * and height, so it survives a resolution change: an axis-aligned `box` or a `polygon` of 3–64 points.
 */
export const ZoneSchema = z
  .strictObject({
    name: z.string().regex(ZONE_NAME_PATTERN, { error: `must be ${ZONE_NAME_RULE}` }),
    box: z
      .strictObject({ x: unit, y: unit, width: unit.positive(), height: unit.positive() })
      .refine((b) => b.x + b.width <= 1 && b.y + b.height <= 1, {
        error: 'must lie inside the frame (x + width ≤ 1, y + height ≤ 1)',
      })
      .optional(),
    polygon: z
      .array(z.tuple([unit, unit]), { error: 'must be a list of [x, y] points (fractions of the frame)' })
      .min(3, { error: 'needs at least 3 points' })
      .max(64, { error: 'has at most 64 points' })
      .optional(),
  })
  .refine((z) => (z.box === undefined) !== (z.polygon === undefined), {
    error: 'give either box or polygon',
  });
export type Zone = z.infer<typeof ZoneSchema>;

/** Zones of one camera: names must be unique (a rule names a zone). */
export const ZonesSchema = z.array(ZoneSchema).superRefine((zones, ctx) => {
  zones.forEach((zone, i) => {
    if (zones.findIndex((o) => o.name === zone.name) !== i) {
      ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `repeats zone name ${show(zone.name)}` });
    }
  });
});
