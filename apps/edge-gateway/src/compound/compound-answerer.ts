/**
 * Compound detectors at the edge: a detector with a `rule` (libs/schema compound-rule.ts) is answered by
 * asking every detector the rule names about the same image, in the same inference request as the image's
 * other detectors (`inferMany`: one backbone pass for the trained heads; the built-in COCO / OCR models are
 * asked once per spec), then evaluating the rule (libs/decision `evaluateCompoundRule`).
 *
 * The result goes back into the ordinary pipeline as the compound detector's own inference answer (mode
 * BINARY, the combined confidence, no OODD), so the decision, the durable store, escalation and the
 * explanation work unchanged; the trace (one `rule` step per sub-answer and one for the evaluation) rides in
 * the answer's `explanation` and becomes the stored explanation's first steps. A rule that cannot be decided
 * (a part without an answer) is "no model for the detector" (NO_MODEL: escalate, or refuse under no_cloud).
 *
 * Zones for `inside` leaves are those of the cameras (edge-config `streams.<name>.zones`) that feed the
 * compound detector, merged with the zones drawn on those cameras at the cloud (a cloud zone replaces a local
 * one of its name: cameras/camera-zones.ts).
 */
import {
  compoundSteps,
  compoundLabel,
  cropKey,
  evaluateCompoundRule,
  type CompoundEvaluation,
  type SubAnswer,
} from '@intellioptics/decision';
import {
  parseCompoundRule,
  ruleLeaves,
  type CompoundRule,
  type Detector,
  type DetectorAnswer,
  type Zone,
} from '@intellioptics/schema';
import sharp, { type Sharp } from 'sharp';
import type { EdgeConfigService } from '../config/edge-config.service';
import type { DetectorService } from '../detectors/detector.service';
import { predictionOf, type InferenceCall } from '../inference-client/inference.client';
import type { Logger } from '../logger';
import { mergeZones, type CloudZoneStore } from '../cameras/camera-zones';

/** The model id an answer made by a rule carries (no model package behind it). */
export const COMPOUND_MODEL_ID = 'compound-rule';

/** Image bytes as the inference service takes them. */
export interface CompoundImage {
  data: Uint8Array;
  contentType: string;
}

/** Asks plain detectors about the request's image, or about `image` (a crop) when given. */
export type InferPlain = (
  detectors: Detector[],
  image?: CompoundImage,
) => Promise<Map<string, InferenceCall>>;

/** Boxes cropped per per-object question (the best first): a bound on the extra inference calls per image. */
export const MAX_CROPS = 8;
/** Margin around a box, as a fraction of its size: a helmet sits at the top edge of a person box. */
const CROP_MARGIN = 0.1;

export class CompoundAnswerer {
  constructor(
    private readonly deps: {
      detectors: Pick<DetectorService, 'get' | 'markQueried'>;
      config: Pick<EdgeConfigService, 'config'>;
      log: Logger;
      /** Zones drawn at the cloud per stream; absent: only edge-config's. */
      cloudZones?: Pick<CloudZoneStore, 'zonesFor'>;
    },
  ) {}

  /** Whether any of these detectors is compound (the image-query service then hands them all here). */
  involves(detectors: readonly Detector[]): boolean {
    return detectors.some(isCompound);
  }

  /**
   * Every detector's call, the compound ones answered by their rule: their parts are asked once, together
   * with the plain detectors, through `inferPlain`.
   */
  async infer(
    detectors: readonly Detector[],
    image: CompoundImage,
    inferPlain: InferPlain,
  ): Promise<Map<string, InferenceCall>> {
    const compounds: { detector: Detector; rule: CompoundRule | null }[] = [];
    const asked = new Map<string, Detector>();
    for (const d of detectors) {
      if (!isCompound(d)) {
        asked.set(d.id, d);
        continue;
      }
      const parsed = parseCompoundRule(d.rule);
      if (!parsed.ok) {
        this.deps.log.error({ detectorId: d.id, errors: parsed.errors }, 'stored compound rule is not valid');
      }
      compounds.push({ detector: d, rule: parsed.ok ? parsed.rule : null });
    }
    const perObject = new Set(
      compounds.flatMap((c) => (c.rule ? perObjectLeaves(c.rule) : [])).map((q) => q.detector),
    );
    const partIds = [...new Set(compounds.flatMap((c) => (c.rule ? ruleIds(c.rule) : [])))];
    const parts = new Map<string, Detector | { missing: string }>();
    await Promise.all(
      partIds.map(async (id) => {
        try {
          const part = await this.deps.detectors.get(id, null);
          // Parts get models like any detector the edge is asked about.
          this.deps.detectors.markQueried(id);
          if (isCompound(part)) parts.set(id, { missing: 'a compound detector cannot be a part' });
          else {
            parts.set(id, part);
            // A detector only asked about crops is not asked about the whole image.
            if (!perObject.has(id) || wholeImageIds(compounds).has(id)) asked.set(id, part);
          }
        } catch (error) {
          parts.set(id, { missing: error instanceof Error ? error.message : String(error) });
        }
      }),
    );
    const calls = asked.size > 0 ? await inferPlain([...asked.values()]) : new Map<string, InferenceCall>();
    const out = new Map<string, InferenceCall>();
    for (const d of detectors) if (!isCompound(d)) out.set(d.id, calls.get(d.id)!);
    const crops = await this.askCrops(compounds, parts, calls, image, inferPlain);
    for (const { detector, rule } of compounds) {
      out.set(detector.id, rule ? this.answer(detector, rule, parts, calls, crops) : { kind: 'no_model' });
    }
    return out;
  }

  /** Per-object questions: each asked detector on the crop of each box of its `on` detector. */
  private async askCrops(
    compounds: readonly { rule: CompoundRule | null }[],
    parts: ReadonlyMap<string, Detector | { missing: string }>,
    calls: ReadonlyMap<string, InferenceCall>,
    image: CompoundImage,
    inferPlain: InferPlain,
  ): Promise<Map<string, SubAnswer[]>> {
    const questions = new Map<string, { detector: string; on: string }>();
    for (const c of compounds)
      for (const q of c.rule ? perObjectLeaves(c.rule) : []) questions.set(cropKey(q.detector, q.on), q);
    const out = new Map<string, SubAnswer[]>();
    if (questions.size === 0) return out;
    const source = sharp(Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength));
    const { width = 0, height = 0 } = await source.metadata();
    await Promise.all(
      [...questions].map(async ([key, q]) => {
        const asked = parts.get(q.detector);
        const boxesCall = calls.get(q.on);
        if (!asked || 'missing' in asked || boxesCall?.kind !== 'ok') return;
        const a = boxesCall.prediction.answer;
        const rois = (a.count?.rois ?? a.boxes?.rois ?? []).slice(0, MAX_CROPS);
        const answers = await Promise.all(
          rois.map(async (roi) => {
            const crop = await cropOf(source, width, height, roi.geometry);
            if (!crop) return subAnswer(q.detector, { missing: 'the box is empty' }, undefined);
            const r = await inferPlain([asked], crop);
            return subAnswer(q.detector, asked, r.get(asked.id));
          }),
        );
        out.set(key, answers);
      }),
    );
    return out;
  }

  private answer(
    detector: Detector,
    rule: CompoundRule,
    parts: ReadonlyMap<string, Detector | { missing: string }>,
    calls: ReadonlyMap<string, InferenceCall>,
    allCrops: ReadonlyMap<string, SubAnswer[]>,
  ): InferenceCall {
    const cropOnly = new Set(perObjectLeaves(rule).map((q) => q.detector));
    const whole = wholeImageIds([{ rule }]);
    const answers = ruleIds(rule)
      .filter((id) => !cropOnly.has(id) || whole.has(id))
      .map((id) => subAnswer(id, parts.get(id), calls.get(id)));
    const crops = new Map(
      perObjectLeaves(rule).flatMap((q) => {
        const key = cropKey(q.detector, q.on);
        const list = allCrops.get(key);
        return list ? [[key, list] as const] : [];
      }),
    );
    const evaluation = evaluateCompoundRule({
      rule,
      answers: new Map(answers.map((a) => [a.detectorId, a])),
      zones: this.zonesFor(detector.id),
      crops,
      threshold: detector.confidence_threshold,
    });
    return { kind: 'ok', prediction: predictionOf(compoundAnswer(detector.id, evaluation, answers, crops)) };
  }

  private zonesFor(detectorId: string): Zone[] {
    return Object.entries(this.deps.config.config.streams)
      .filter(([, s]) => s.detector_ids.includes(detectorId))
      .flatMap(([name, s]) => mergeZones(s.zones ?? [], this.deps.cloudZones?.zonesFor(name) ?? []));
  }
}

export function isCompound(d: Detector): boolean {
  return d.rule !== null && d.rule !== undefined;
}

/** The per-object questions of a rule (`label` leaves with `on`). */
function perObjectLeaves(rule: CompoundRule): { detector: string; on: string }[] {
  return ruleLeaves(rule).flatMap((e) =>
    'label' in e && e.on !== undefined ? [{ detector: e.detector, on: e.on }] : [],
  );
}

/** Detectors some leaf reads about the whole image (every one but those only asked about crops). */
function wholeImageIds(compounds: readonly { rule: CompoundRule | null }[]): Set<string> {
  const out = new Set<string>();
  for (const c of compounds) {
    for (const e of c.rule ? ruleLeaves(c.rule) : []) {
      out.add('label' in e && e.on !== undefined ? e.on : e.detector);
      if ('near' in e) out.add(e.near.detector);
      if ('overlaps' in e) out.add(e.overlaps.detector);
    }
  }
  return out;
}

/** The JPEG crop of a normalised box (with a margin), or null when it has no pixels. */
async function cropOf(
  source: Sharp,
  width: number,
  height: number,
  g: { left: number; top: number; right: number; bottom: number },
): Promise<CompoundImage | null> {
  const mx = (g.right - g.left) * CROP_MARGIN;
  const my = (g.bottom - g.top) * CROP_MARGIN;
  const left = Math.max(0, Math.round((g.left - mx) * width));
  const top = Math.max(0, Math.round((g.top - my) * height));
  const right = Math.min(width, Math.round((g.right + mx) * width));
  const bottom = Math.min(height, Math.round((g.bottom + my) * height));
  if (right - left < 2 || bottom - top < 2) return null;
  const data = await source
    .clone()
    .extract({ left, top, width: right - left, height: bottom - top })
    .jpeg({ quality: 90 })
    .toBuffer();
  return { data: new Uint8Array(data), contentType: 'image/jpeg' };
}

function ruleIds(rule: CompoundRule): string[] {
  const r = parseCompoundRule(rule);
  return r.ok ? r.detectorIds : [];
}

/** One part's answer as the rule reads it (its label, count, boxes, OODD-adjusted confidence). */
export function subAnswer(
  id: string,
  part: Detector | { missing: string } | undefined,
  call: InferenceCall | undefined,
): SubAnswer {
  if (part === undefined || 'missing' in part) {
    return {
      detectorId: id,
      threshold: 1,
      status: 'unavailable',
      detail: part?.missing ?? 'unknown detector',
    };
  }
  const base = { detectorId: id, name: part.name, threshold: part.confidence_threshold };
  if (call === undefined || call.kind !== 'ok') {
    const detail =
      call === undefined
        ? 'not asked'
        : call.kind === 'no_model'
          ? 'no model installed'
          : call.kind === 'down'
            ? `inference unavailable: ${call.message}`
            : `refused: ${call.detail}`;
    return { ...base, status: 'unavailable', detail };
  }
  const a = call.prediction.answer;
  if (a.unanswered) return { ...base, status: 'unavailable', detail: a.unanswered.detail };
  const label =
    a.mode === 'BINARY'
      ? a.label.name === 'YES' || a.label.name === 'NO'
        ? a.label.name
        : a.label.index === 0
          ? 'YES'
          : 'NO'
      : a.label.name;
  return {
    ...base,
    status: 'ok',
    mode: a.mode,
    label,
    count: a.count?.count ?? null,
    greaterThanMax: a.count?.greater_than_max ?? false,
    confidence: a.adjusted_confidence,
    boxes: a.count?.rois ?? a.boxes?.rois ?? [],
  };
}

/** The compound's answer in the inference service's shape: BINARY, YES = the rule holds, its trace inside. */
export function compoundAnswer(
  detectorId: string,
  evaluation: CompoundEvaluation,
  answers: readonly SubAnswer[],
  crops?: ReadonlyMap<string, readonly SubAnswer[]>,
): DetectorAnswer {
  const label = compoundLabel(evaluation);
  const c = evaluation.confidence;
  const yes = label === 'YES' ? c : 1 - c;
  return {
    detector_id: detectorId,
    mode: 'BINARY',
    label: label === 'NO' ? { index: 1, name: 'NO' } : { index: 0, name: 'YES' },
    probabilities: { YES: yes, NO: 1 - yes },
    confidence: c,
    in_domain_probability: null,
    adjusted_confidence: c,
    model_versions: { primary: { version: 0, model_id: COMPOUND_MODEL_ID }, oodd: null },
    ...(label === null
      ? {
          unanswered: {
            code: 'NO_MODEL_FOR_CLASS' as const,
            detail: `The rule cannot be decided: ${evaluation.leaves
              .filter((l) => l.value === null)
              .map((l) => l.text)
              .join('; ')}.`,
          },
        }
      : {}),
    explanation: { steps: compoundSteps(evaluation, answers, crops), evidence: null, neighbors: [] },
  };
}
