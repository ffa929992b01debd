/**
 * One inference request: resolve every asked detector (404 before any decoding), decode once, run the
 * backbone once, then every detector's primary and OODD heads on the same features.
 */
import { adjustConfidenceForDomain } from '@intellioptics/decision';
import type { DetectorAnswer, DetectorMode, InferTimings } from '@intellioptics/schema';
import type { PipelineConfig, VisionEngine } from '@intellioptics/vision';
import { preprocessImage } from '@intellioptics/vision';
import type { Metrics } from '../metrics';
import type { BackboneBatcher } from '../models/backbone-batcher';
import type { ModelLease } from '../models/loaded-model';
import { leaseModels } from '../models/loaded-model';
import type { ModelManager } from '../models/model-manager';

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
