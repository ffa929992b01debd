/**
 * One inference request: resolve every asked detector (404 before any decoding), then run each model family
 * at most once for the whole request: the backbone (decoded once) with every trained detector's primary and
 * OODD heads on the same features; the COCO detector once per distinct class set; OCR once, cut per
 * detector's value_max_length. libs/vision's detector and OCR take image bytes, so each family decodes the
 * bytes itself (README "Modes").
 *
 * Every answer carries the model side of its explanation (README "Explanations"): a trained detector's exact
 * evidence map from the backbone's 7×7 map (fetched in the same backbone run), its nearest labelled examples
 * and the OODD reading; a built-in answer names the boxes or text it found. Always on: it costs about 1 ms per
 * answer on top of a ~20 ms backbone run (npm run bench:explain), below the 10% budget, so no request flag.
 */
import { adjustConfidenceForDomain } from '@intellioptics/decision';
import type { DetectorAnswer, DetectorMode, DetectorSpec, InferTimings } from '@intellioptics/schema';
import type {
  BuiltinPlan,
  Detection,
  MapHeadReading,
  PipelineConfig,
  SpatialFeatures,
  TextAnswer,
  VisionEngine,
} from '@intellioptics/vision';
import {
  assertSupportedImage,
  FeatureMapHead,
  addMapHeadReading,
  blankBaseline,
  builtinExplanation,
  CANDIDATE_FLOOR,
  classSetKey,
  cocoAnswer,
  OCR_MODEL,
  ocrAnswer,
  preprocessImage,
  readMapHead,
  unansweredAnswer,
} from '@intellioptics/vision';
import { BuiltinModels } from '../builtin/builtin-models';
import type { Metrics } from '../metrics';
import type { BackboneBatcher } from '../models/backbone-batcher';
import type { DetectorResolver } from '../models/detector-resolver';
import type { ModelLease } from '../models/loaded-model';
import { leaseModels } from '../models/loaded-model';

export type { DetectorAnswer, InferTimings } from '@intellioptics/schema';

export interface InferResult {
  answers: DetectorAnswer[];
  timings_ms: InferTimings;
}

/** libs/decision's OODD adjustment in the service's terms (kept as a named helper for its unit test). */
export function adjustConfidence(
  confidence: number,
  inDomain: number | null,
  numClasses: number,
  mode: DetectorMode,
): number {
  return adjustConfidenceForDomain({ confidence, inDomainProbability: inDomain, mode, numClasses });
}

/** One OCR read serves detectors with different value_max_length: each gets the text cut at its own. */
export function cutText(full: TextAnswer, maxLength: number | undefined): TextAnswer {
  if (maxLength === undefined || full.text.length <= maxLength) return full;
  return { ...full, text: full.text.slice(0, maxLength), truncated: true };
}

const ms = (from: number): number => Math.round((performance.now() - from) * 1000) / 1000;

export class InferService {
  private readonly pipeline: PipelineConfig;

  constructor(
    private readonly engine: VisionEngine,
    private readonly resolver: DetectorResolver,
    private readonly builtin: BuiltinModels,
    private readonly batcher: BackboneBatcher,
    private readonly metrics: Metrics,
    maxInputPixels: number,
  ) {
    this.pipeline = { ...engine.pipeline, limits: { max_input_pixels: maxInputPixels } };
  }

  /** `spec`: the request's detector spec (one detector only), else each detector's own. */
  async infer(
    detectorIds: readonly string[],
    image: Uint8Array,
    started = performance.now(),
    spec: DetectorSpec | null = null,
  ): Promise<InferResult> {
    const resolved = await Promise.all(detectorIds.map((id) => this.resolver.resolve(id, spec)));
    // Even a request whose answers need no pixels (a class no model knows) must send an image.
    assertSupportedImage(image);
    const leases: ModelLease[] = resolved.flatMap((r) =>
      r.kind === 'trained' ? [leaseModels(r.entry)] : [],
    );
    const plans = resolved.flatMap((r) => (r.kind === 'builtin' ? [{ id: r.detectorId, plan: r.plan }] : []));
    try {
      const timings: InferTimings = { decode: 0, backbone: 0, heads: 0, total: 0 };
      const byId = new Map<string, DetectorAnswer>();
      if (leases.length > 0) {
        const t0 = performance.now();
        const { tensor } = await preprocessImage(image, this.pipeline);
        timings.decode = ms(t0);
        const t1 = performance.now();
        const features = await this.batcher.embed(tensor);
        timings.backbone = ms(t1);
        const t2 = performance.now();
        const baseline = await blankBaseline(this.engine);
        const answers = await Promise.all(leases.map((l) => this.answer(l, features, baseline)));
        timings.heads = ms(t2);
        for (const a of answers) byId.set(a.detector_id, a);
        this.metrics.stageDuration.observe({ stage: 'decode' }, timings.decode / 1000);
        this.metrics.stageDuration.observe({ stage: 'backbone' }, timings.backbone / 1000);
        this.metrics.stageDuration.observe({ stage: 'heads' }, timings.heads / 1000);
      }
      for (const a of await this.answerBuiltin(plans, image, timings))
        byId.set(a.detector_id, { ...a, explanation: builtinExplanation(a) });
      timings.total = ms(started);
      return { answers: detectorIds.map((id) => byId.get(id)!), timings_ms: timings };
    } finally {
      for (const l of leases) l.release();
    }
  }

  private async answerBuiltin(
    plans: readonly { id: string; plan: BuiltinPlan }[],
    image: Uint8Array,
    timings: InferTimings,
  ): Promise<DetectorAnswer[]> {
    const out: DetectorAnswer[] = [];
    const coco = plans.flatMap((p) => (p.plan.kind === 'coco' ? [{ id: p.id, plan: p.plan }] : []));
    if (coco.length > 0) {
      const t0 = performance.now();
      const detector = await this.builtin.objectDetector();
      const ref = BuiltinModels.detectorRef(detector);
      // One network pass for every class set asked (compound parts included); each set decoded on its own.
      const sets = new Map(coco.map(({ plan }) => [classSetKey(plan.classes), plan.classes]));
      const keys = [...sets.keys()];
      // Every candidate above the floor: the answer needs the dropped ones too (set confidence).
      const found = await detector.detectMany(
        image,
        keys.map((k) => ({ classes: sets.get(k)!, minScore: CANDIDATE_FLOOR })),
      );
      const runs = new Map<string, Detection[]>(keys.map((k, i) => [k, found[i]!]));
      for (const { id, plan } of coco)
        out.push(cocoAnswer(id, plan, runs.get(classSetKey(plan.classes))!, ref));
      timings.detector = ms(t0);
      this.metrics.stageDuration.observe({ stage: 'detector' }, timings.detector / 1000);
    }
    const ocr = plans.flatMap((p) => (p.plan.kind === 'ocr' ? [{ id: p.id, plan: p.plan }] : []));
    if (ocr.length > 0) {
      const t0 = performance.now();
      const full = await (await this.builtin.textReader()).readText(image);
      for (const { id, plan } of ocr) out.push(ocrAnswer(id, cutText(full, plan.maxLength), OCR_MODEL));
      timings.ocr = ms(t0);
      this.metrics.stageDuration.observe({ stage: 'ocr' }, timings.ocr / 1000);
    }
    for (const { id, plan } of plans)
      if (plan.kind === 'unanswered') out.push(unansweredAnswer(id, plan, { version: 0, model_id: 'none' }));
    return out;
  }

  private async answer(
    lease: ModelLease,
    spatial: SpatialFeatures,
    baseline: Float32Array,
  ): Promise<DetectorAnswer> {
    const { primary, oodd, detectorId } = lease.models;
    const features = spatial.pooled;
    const ooddHead = oodd && !(oodd.head instanceof FeatureMapHead) ? oodd.head : null;
    const primaryHead = primary.head;
    // A map head runs on the map of the SAME backbone pass; the OODD head on its pooled vector.
    const [reading, o] = await Promise.all([
      primaryHead instanceof FeatureMapHead
        ? readMapHead(primaryHead, spatial.map)
        : primaryHead.run([features]).then((p): MapHeadReading => {
            const out = p[0];
            if (out?.kind !== 'primary') throw new Error('primary head returned no probabilities');
            return { probabilities: out.probabilities, steps: [], evidence: null };
          }),
      ooddHead ? ooddHead.run([features]) : null,
    ]);
    const meta = primaryHead.metadata;
    const probs = reading.probabilities;
    let best = 0;
    for (let k = 1; k < probs.length; k++) if (probs[k]! > probs[best]!) best = k;
    const ood = o?.[0];
    const inDomain = ood?.kind === 'oodd' ? ood.inDomainProbability : null;
    const confidence = probs[best]!;
    const calibration = oodd?.head.metadata.calibration;
    const explanation = primary.explainer?.explain({
      probabilities: probs,
      pooled: features,
      map: spatial.map,
      mapSize: this.engine.backbone.featureMapSize,
      baseline,
      oodd:
        ood?.kind === 'oodd'
          ? {
              inDomainProbability: ood.inDomainProbability,
              distance: ood.distance,
              tau: calibration?.method === 'sigmoid_distance' ? calibration.tau : null,
            }
          : null,
    });
    // The map head's chain goes right after what the model saw; its evidence is the answer's map.
    if (explanation) addMapHeadReading(explanation, reading);
    return {
      detector_id: detectorId,
      mode: meta.mode,
      answered_by: 'trained_model',
      label: { index: best, name: meta.class_names[best] ?? String(best) },
      probabilities: Object.fromEntries(probs.map((v, k) => [meta.class_names[k] ?? String(k), v])),
      confidence,
      in_domain_probability: inDomain,
      adjusted_confidence: adjustConfidence(confidence, inDomain, probs.length, meta.mode),
      model_versions: {
        primary: { version: primary.version, model_id: primary.modelId },
        oodd: oodd ? { version: oodd.version, model_id: oodd.modelId } : null,
      },
      ...(reading.count ? { count: reading.count } : {}),
      ...(explanation ? { explanation } : {}),
      ...(meta.escalation_policy
        ? {
            // What the edge's learned policy reads that only the model side knows (libs/schema PolicyInputs).
            escalation_policy: {
              model: meta.escalation_policy,
              neighbor_labels: explanation?.neighbors.map((n) => n.label) ?? [],
              model_age_days: Math.max(0, (Date.now() - Date.parse(meta.created_at)) / 86_400_000) || 0,
            },
          }
        : {}),
    };
  }
}
