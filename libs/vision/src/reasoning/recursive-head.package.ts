/**
 * The recursive head as a primary model package (#15): model.buf is buildRecursiveHead's graph (the token
 * projection, the unrolled recursion and the temperature inside), `input.source: 'backbone_feature_map'`, and
 * predictor_metadata.json `training` names the algorithm, the step outputs and the halting threshold, so the
 * inference service can read every step and halt where training said to. The OODD package stays the pooled one.
 */
import type { BackboneInfo } from '../backbone/backbone.cache';
import type { NeighborIndexMetadata } from '../explain/neighbor-index';
import { buildHeadPackage } from '../package/head-package';
import type { ModelPackage, PredictorMetadata, VisionMode } from '../package/model-package.types';
import type { PipelineConfig } from '../preprocess/pipeline-config';
import type { MapHeadTensor } from './feature-map.head';
import {
  buildRecursiveHead,
  MAP_INPUT,
  STEP_ATTENTION_OUTPUT,
  STEP_HALT_OUTPUT,
  STEP_PROBABILITIES_OUTPUT,
} from './recursive-head.onnx';
import type { RecursiveHead, RecursivePrediction } from './recursive-head.train';
import { HALT_THRESHOLD, haltStep } from './recursive-head.train';
import type { TokenProjection } from './token-projection';

export const RECURSIVE_ALGORITHM = 'recursive_reasoning_head';

export interface RecursivePackageInput {
  head: RecursiveHead;
  projection: TokenProjection;
  pipeline: PipelineConfig;
  backbone: Pick<BackboneInfo, 'id' | 'sha256' | 'featureDim'>;
  modelId?: string;
  calibration: Extract<PredictorMetadata['calibration'], { method: 'temperature' | 'none' }>;
  training: Record<string, unknown>;
  metrics: Record<string, number>;
  neighborIndex?: NeighborIndexMetadata | null;
  metadata: { mode: VisionMode; detectorId: string | null; classNames: string[]; createdAt: string };
}

export function buildRecursivePackage(input: RecursivePackageInput): ModelPackage {
  const { head, projection, metadata } = input;
  const c = head.config;
  return buildHeadPackage({
    kind: 'primary',
    modelBytes: buildRecursiveHead(head, projection),
    pipeline: input.pipeline,
    modelId: input.modelId,
    metadata,
    input: { name: MAP_INPUT, source: 'backbone_feature_map' },
    backbone: input.backbone,
    outputs: { probabilities: STEP_PROBABILITIES_OUTPUT },
    calibration: input.calibration,
    training: {
      algorithm: RECURSIVE_ALGORITHM,
      step_probabilities_output: STEP_PROBABILITIES_OUTPUT,
      step_halt_output: STEP_HALT_OUTPUT,
      step_attention_output: STEP_ATTENTION_OUTPUT,
      halt_threshold: head.haltThreshold ?? HALT_THRESHOLD,
      steps: c.steps,
      cycles: c.cycles,
      latent_steps: c.latentSteps,
      width: c.width,
      hidden: c.hidden,
      tokens: c.tokens,
      projection_components: projection.components,
      epochs: head.epochs,
      final_loss: Number.isFinite(head.finalLoss) ? head.finalLoss : null,
      ...input.training,
    },
    metrics: input.metrics,
    neighborIndex: input.neighborIndex,
  });
}

export function isRecursivePackage(metadata: PredictorMetadata): boolean {
  return (
    metadata.input.source === 'backbone_feature_map' && metadata.training.algorithm === RECURSIVE_ALGORITHM
  );
}

/** Every batch item's steps from the graph's outputs (probabilities already calibrated), halted as trained. */
export function readRecursiveOutputs(
  metadata: PredictorMetadata,
  outputs: Record<string, MapHeadTensor>,
): RecursivePrediction[] {
  const t = metadata.training;
  const name = (k: string, d: string): string => (typeof t[k] === 'string' ? t[k] : d);
  const probs = outputs[name('step_probabilities_output', STEP_PROBABILITIES_OUTPUT)];
  const halt = outputs[name('step_halt_output', STEP_HALT_OUTPUT)];
  const att = outputs[name('step_attention_output', STEP_ATTENTION_OUTPUT)];
  if (!probs || !halt || !att) throw new Error('recursive head: step outputs missing');
  const [n, steps, classes] = probs.dims as [number, number, number];
  const cells = att.dims[2]!;
  const threshold = typeof t.halt_threshold === 'number' ? t.halt_threshold : HALT_THRESHOLD;
  const out: RecursivePrediction[] = [];
  for (let i = 0; i < n; i++) {
    const s = Array.from({ length: steps }, (_, k) => ({
      probabilities: Array.from(
        probs.data.subarray((i * steps + k) * classes, (i * steps + k + 1) * classes),
      ),
      haltProbability: halt.data[i * steps + k]!,
      attention: att.data.slice((i * steps + k) * cells, (i * steps + k + 1) * cells),
    }));
    const haltedAt = haltStep(
      s.map((x) => x.haltProbability),
      threshold,
    );
    out.push({ probabilities: s[haltedAt - 1]!.probabilities, haltedAt, steps: s });
  }
  return out;
}
