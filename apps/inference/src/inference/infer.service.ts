/**
 * One inference request: resolve every asked detector (404 before any decoding), decode once, run the
 * backbone once, then every detector's primary and OODD heads on the same features.
 */
import type { PipelineConfig, VisionEngine } from '@intellioptics/vision';
import { preprocessImage } from '@intellioptics/vision';
import type { Metrics } from '../metrics';
import type { BackboneBatcher } from '../models/backbone-batcher';
import type { ModelLease } from '../models/loaded-model';
import { leaseModels } from '../models/loaded-model';
import type { ModelManager } from '../models/model-manager';

export interface ModelVersionRef {
  version: number;
  model_id: string;
}

export interface DetectorAnswer {
  detector_id: string;
  mode: string;
  label: { index: number; name: string };
  probabilities: Record<string, number>;
  /** Raw top-class probability of the primary model. */
  confidence: number;
  /** OODD in-domain probability, null when the detector has no OODD model. */
  in_domain_probability: number | null;
  /** p_out·(1/num_classes) + (1 − p_out)·confidence; chance is 0 for BOUNDING_BOX. */
  adjusted_confidence: number;
  model_versions: { primary: ModelVersionRef; oodd: ModelVersionRef | null };
}

export interface InferTimings {
  decode: number;
  backbone: number;
  heads: number;
  total: number;
}

export interface InferResult {
  answers: DetectorAnswer[];
  timings_ms: InferTimings;
}

/** The OODD adjustment (kept here beside its only caller; the edge decision policy consumes the result). */
export function adjustConfidence(
  confidence: number,
  inDomain: number | null,
  numClasses: number,
  mode: string,
): number {
  if (inDomain === null) return confidence;
  const pOut = 1 - inDomain;
  const chance = mode === 'BOUNDING_BOX' ? 0 : 1 / numClasses;
  // Clamped so float rounding can never push it outside [0,1] (clients validate it as a probability).
  return Math.min(1, Math.max(0, pOut * chance + (1 - pOut) * confidence));
}

const ms = (from: number): number => Math.round((performance.now() - from) * 1000) / 1000;

export class InferService {
  private readonly pipeline: PipelineConfig;

  constructor(
    private readonly engine: VisionEngine,
    private readonly models: ModelManager,
    private readonly batcher: BackboneBatcher,
    private readonly metrics: Metrics,
    maxInputPixels: number,
  ) {
    this.pipeline = { ...engine.pipeline, limits: { max_input_pixels: maxInputPixels } };
  }

  async infer(
    detectorIds: readonly string[],
    image: Uint8Array,
    started = performance.now(),
  ): Promise<InferResult> {
    const entries = await Promise.all(detectorIds.map((id) => this.models.get(id)));
    const leases: ModelLease[] = entries.map(leaseModels);
    try {
      const t0 = performance.now();
      const { tensor } = await preprocessImage(image, this.pipeline);
      const decode = ms(t0);
      const t1 = performance.now();
      const features = await this.batcher.embed(tensor);
      const backbone = ms(t1);
      const t2 = performance.now();
      const answers = await Promise.all(leases.map((l) => this.answer(l, features)));
      const heads = ms(t2);
      this.metrics.stageDuration.observe({ stage: 'decode' }, decode / 1000);
      this.metrics.stageDuration.observe({ stage: 'backbone' }, backbone / 1000);
      this.metrics.stageDuration.observe({ stage: 'heads' }, heads / 1000);
      return { answers, timings_ms: { decode, backbone, heads, total: ms(started) } };
    } finally {
      for (const l of leases) l.release();
    }
  }

  private async answer(lease: ModelLease, features: Float32Array): Promise<DetectorAnswer> {
    const { primary, oodd, detectorId } = lease.models;
    const [p, o] = await Promise.all([primary.head.run([features]), oodd ? oodd.head.run([features]) : null]);
    const out = p[0];
    if (out?.kind !== 'primary') throw new Error('primary head returned no probabilities');
    const meta = primary.head.metadata;
    const probs = out.probabilities;
    let best = 0;
    for (let k = 1; k < probs.length; k++) if (probs[k]! > probs[best]!) best = k;
    const ood = o?.[0];
    const inDomain = ood?.kind === 'oodd' ? ood.inDomainProbability : null;
    const confidence = probs[best]!;
    return {
      detector_id: detectorId,
      mode: meta.mode,
      label: { index: best, name: meta.class_names[best] ?? String(best) },
      probabilities: Object.fromEntries(probs.map((v, k) => [meta.class_names[k] ?? String(k), v])),
      confidence,
      in_domain_probability: inDomain,
      adjusted_confidence: adjustConfidence(confidence, inDomain, probs.length, meta.mode),
      model_versions: {
        primary: { version: primary.version, model_id: primary.modelId },
        oodd: oodd ? { version: oodd.version, model_id: oodd.modelId } : null,
      },
    };
  }
}
